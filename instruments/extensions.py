"""Links and panels other apps add to instrument pages, without this app knowing them.

An app registers a function in its AppConfig.ready(); the instrument page shows what
the functions return for the visitor. So instruments imports no app to its right.
"""

from collections.abc import Callable, Sequence

from django.http import HttpRequest

from instruments.models import Instrument

Link = tuple[str, str, str]  # label, URL, style ("primary" or "")
LinkSource = Callable[[HttpRequest, Instrument], list[Link]]

_sources: list[LinkSource] = []


def register_links(source: LinkSource) -> None:
    if source not in _sources:
        _sources.append(source)


def instrument_links(request: HttpRequest, instrument: Instrument) -> list[Link]:
    return [link for source in _sources for link in source(request, instrument)]


PanelSource = Callable[[HttpRequest, Instrument], str]  # rendered HTML, or ""
_panels: list[PanelSource] = []


def register_panel(source: PanelSource) -> None:
    if source not in _panels:
        _panels.append(source)


def instrument_panels(request: HttpRequest, instrument: Instrument) -> list[str]:
    return [html for source in _panels if (html := source(request, instrument))]


# Figures other apps add to instrument API answers (billing: rating_average, rating_count),
# set as attributes on a page of instruments at once, so that a list costs one query per app.
FigureSource = Callable[[Sequence[Instrument]], None]
_figures: list[FigureSource] = []


def register_api_figures(source: FigureSource) -> None:
    if source not in _figures:
        _figures.append(source)


def instrument_api_figures(instruments: Sequence[Instrument]) -> None:
    for source in _figures:
        source(instruments)
