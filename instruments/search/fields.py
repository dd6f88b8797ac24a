"""The full-text column as the ORM sees it, on either database.

Migration 0005 makes `instruments_search` an FTS5 table on SQLite (whose hidden column of
the same name takes MATCH and bm25()) and, on PostgreSQL, a view whose column of that
name is the weighted tsvector of each search entry (GIN-indexed).
"""

from django.db import models


class SearchDocumentField(models.TextField):
    """Never read or written by the ORM: only the `matches` lookup and `SearchRank` use it."""


@SearchDocumentField.register_lookup
class Matches(models.Lookup):
    """The document matches a query in the database's own syntax (see search.query)."""

    lookup_name = "matches"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} @@ CAST({rhs} AS tsquery)", [*lhs_params, *rhs_params]
        return f"{lhs} MATCH {rhs}", [*lhs_params, *rhs_params]


# Weights of the three columns (names, details, body): a match in the name counts most.
SQLITE_WEIGHTS = "10.0, 3.0, 1.0"
POSTGRES_WEIGHTS = "{0.01, 0.1, 0.3, 1.0}"  # D, C (body), B (details), A (names)


class SearchRank(models.Func):
    """How well the document matches the query of the same statement; higher is better."""

    output_field = models.FloatField()

    def __init__(self, document, query: str):
        super().__init__(document, models.Value(query))

    def as_sqlite(self, compiler, connection, **extra):
        document, params = compiler.compile(self.source_expressions[0])
        # bm25() reads the MATCH of the statement; it is negative, lower is better.
        return f"-bm25({document}, {SQLITE_WEIGHTS})", params

    def as_postgresql(self, compiler, connection, **extra):
        document, params = compiler.compile(self.source_expressions[0])
        query, query_params = compiler.compile(self.source_expressions[1])
        return f"ts_rank('{POSTGRES_WEIGHTS}', {document}, CAST({query} AS tsquery))", [*params, *query_params]
