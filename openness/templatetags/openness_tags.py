from django import template

from openness import tables

register = template.Library()


@register.filter
def shown(table: tables.Table) -> list:
    """The cells of the rows a page shows, formatted as openness.tables.display does."""
    return tables.shown(table)
