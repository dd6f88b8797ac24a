"""With DEBUG off, errors show the project's own pages, in the reader's language."""

import pytest
from django.urls import include, path

import config.urls


def fail(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fail/", fail), path("", include(config.urls))]

TEXTS = {
    404: {"en": "There is nothing at this address.", "zh-hans": "该地址没有任何内容。"},
    500: {"en": "Something went wrong", "zh-hans": "出错了"},
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_missing_page_shows_the_projects_not_found_page(client, language):
    response = client.get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert TEXTS[404][language] in page
    assert "Traceback" not in page and "URLconf" not in page


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_error_shows_the_projects_error_page_without_touching_the_database(client, language):
    # No django_db mark: a page that reached for the database would fail here.
    client.raise_request_exception = False
    response = client.get("/fail/", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert TEXTS[500][language] in page
    assert "a bug" not in page and "Traceback" not in page


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_bad_request_shows_the_projects_page(client, language):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="not-this-site.example", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert {"en": "Bad request", "zh-hans": "请求无效"}[language] in page
    assert "ALLOWED_HOSTS" not in page


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_a_form_sent_without_its_token_says_how_to_send_it_again(language):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a", "password": "b"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 403
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert {"en": "reload the page and send the form again", "zh-hans": "刷新页面后重新提交"}[language] in page
    assert "CSRF_FAILURE_VIEW" not in page
