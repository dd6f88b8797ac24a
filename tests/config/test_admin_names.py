"""The admin names every model it shows, in both languages."""

import pytest
from django.contrib import admin
from django.utils import translation

SHOWN = sorted(admin.site._registry, key=lambda model: model._meta.label)


def _names(language: str) -> dict[str, tuple[str, str]]:
    with translation.override(language):
        return {m._meta.label: (str(m._meta.verbose_name), str(m._meta.verbose_name_plural)) for m in SHOWN}


def test_every_model_in_the_admin_has_its_own_names():
    guessed = [
        m._meta.label for m in SHOWN if not {"verbose_name", "verbose_name_plural"} <= set(m._meta.original_attrs)
    ]
    assert guessed == []


def test_every_model_in_the_admin_is_named_in_chinese():
    english, chinese = _names("en"), _names("zh-hans")
    untranslated = [label for label in english if english[label][0] == chinese[label][0]]
    assert untranslated == []
    assert [label for label in english if english[label][1] == chinese[label][1]] == []


def test_django_schedulers_own_admin_is_hidden():
    assert [m._meta.label for m in SHOWN if m._meta.app_label == "schedule"] == []


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "names"),
    [
        ("en", ["Gateway statuses", "Usage sessions", "Instrument Commons administration"]),
        ("zh-hans", ["网关在线状态", "使用时段", "仪器共享网后台管理"]),
    ],
)
def test_the_admin_index_lists_the_models_by_their_names(admin_client, language, names):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert all(name in page for name in names)
    assert "statuss" not in page
