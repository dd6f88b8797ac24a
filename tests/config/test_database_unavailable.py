"""A view that cannot reach the database answers 503 with Retry-After, never a 500: JSON
under /api/, otherwise the project's own page, in the reader's language."""

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import include, path

import config.urls
from config.unavailable import UNAVAILABLE


def away(request):
    raise OperationalError("connection to server failed: Connection refused")


def closed(request):
    raise InterfaceError("connection already closed")


def bug(request):
    raise ValueError("a bug")


urlpatterns = [
    path("api/v1/away/", away),
    path("away/", away),
    path("closed/", closed),
    path("bug/", bug),
    path("", include(config.urls)),
]
handler500 = config.urls.handler500  # the project's last-chance handler
pytestmark = pytest.mark.urls(__name__)


def test_the_api_answers_503_in_json_with_retry_after(client):
    response = client.get("/api/v1/away/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503
    assert response.json() == {"detail": str(UNAVAILABLE)}
    assert int(response["Retry-After"]) > 0
    assert "Connection refused" not in response.content.decode()


@pytest.mark.parametrize("url", ["/away/", "/closed/"])
def test_a_page_answers_503_with_its_own_page_without_touching_the_database(client, url):
    # No django_db mark: a 503 page that reached for the database would fail here.
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert '<html lang="en">' in page and "Briefly unavailable" in page
    assert "Something went wrong" not in page and "Traceback" not in page


def test_the_page_follows_the_readers_language(client):
    page = client.get("/away/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<html lang="zh-hans">' in page and "前往仪器目录" in page


def test_other_errors_stay_500(client):
    client.raise_request_exception = False
    assert client.get("/bug/").status_code == 500


class SessionStoreAway:
    """A middleware that reads the database before any view runs (as the session and the
    signed-in user do), when the database is away."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("connection to server failed: Connection refused")


@pytest.fixture
def middleware_away(settings):
    settings.MIDDLEWARE = [*settings.MIDDLEWARE[:4], f"{__name__}.SessionStoreAway", *settings.MIDDLEWARE[4:]]


@pytest.mark.parametrize(("url", "kind"), [("/api/v1/instruments/", "application/json"), ("/", "text/html")])
def test_a_middleware_that_cannot_reach_the_database_answers_503_too(client, middleware_away, url, kind):
    client.raise_request_exception = False
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 503 and int(response["Retry-After"]) > 0
    assert response["Content-Type"].startswith(kind) and "Connection refused" not in response.content.decode()
