"""HTML to PDF for the printable documents of any app (the openness annual report; billing's
invoices later), with WeasyPrint.

A document's resources come from the static files only: relative URLs resolve against
BASE_URL, whose STATIC_URL paths the fetcher reads through the static-file finders, and it
refuses every other URL, so rendering never makes the server reach the network or read a
file that is not a static file. Fonts come from fontconfig: the CJK font that Chinese needs
is a Debian package (scripts/system-packages.sh), and WeasyPrint embeds the glyphs it uses.
"""

import mimetypes
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured

BASE_URL = "http://document.invalid/"  # never fetched: the fetcher reads the static files
# Chinese and Latin glyphs from one CJK font (each family carries Latin letters as well),
# the first installed of these; Noto is fonts-noto-cjk, WenQuanYi fonts-wqy-microhei.
FONT_FAMILY = '"Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "DejaVu Sans", sans-serif'
BASE_CSS = f"@page {{ size: A4; }} html {{ font-family: {FONT_FAMILY}; }}"
MISSING_LIBRARIES = (
    "WeasyPrint cannot load Pango (%(error)s): install the Debian packages that "
    "scripts/system-packages.sh names (run it with `test`)."
)


def html_to_pdf(html: str) -> bytes:
    """The PDF of an HTML document; its own stylesheets come after BASE_CSS and win."""
    try:
        # Imported here: loading WeasyPrint loads Pango, which only the PDF views need.
        from weasyprint import CSS, HTML
    except OSError as error:
        raise ImproperlyConfigured(MISSING_LIBRARIES % {"error": error}) from error
    fetcher = _static_fetcher()
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=BASE_CSS, url_fetcher=fetcher)])


def _static_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFetcher(URLFetcher):
        def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            return URLFetcherResponse(url, *static_file(url))

    return StaticFetcher()


def static_file(url: str) -> tuple[bytes, dict[str, str]]:
    """The content and type of the static file at url (absolute, under BASE_URL)."""
    path = urlsplit(url).path
    if not url.startswith(BASE_URL) or not path.startswith(settings.STATIC_URL):
        raise ValueError(f"Only static files go into a document, not {url[:100]}")
    found = finders.find(path.removeprefix(settings.STATIC_URL))  # refuses "../"
    if not found:
        raise ValueError(f"No static file at {path[:100]}")
    kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
    return Path(found).read_bytes(), {"Content-Type": kind}
