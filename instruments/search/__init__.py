"""The catalog search: instruments found by the words people use (docs/search.md).

`text` turns record fields and queries into words (jieba for Chinese, Snowball stems for
English); `dictionary` knows the synonyms and abbreviations of instruments/data/search_terms.toml;
`index` keeps each instrument's search entry; `query` reads a query, and `ranked` ranks the
catalog by it over the index before joining the instruments, on SQLite (FTS5) or
PostgreSQL (tsvector with a GIN index).
"""
