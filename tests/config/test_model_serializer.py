"""The project's model serializer builds its fields from the model once per class and gives
every serializer its own copy of them."""

import pytest
from django.urls import get_resolver
from django.utils import translation
from rest_framework import serializers

from config.api import ModelSerializer


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


get_resolver().url_patterns  # noqa: B018 - imports every API module, and so every serializer
SERIALIZERS = _all_subclasses(ModelSerializer)


def test_every_model_serializer_of_the_project_uses_it():
    assert len(SERIALIZERS) >= 20
    plain = [cls for cls in _all_subclasses(serializers.ModelSerializer) if not issubclass(cls, ModelSerializer)]
    assert [cls for cls in plain if cls.__module__.split(".")[0] in {"accounts", "billing", "booking", "config",
            "gateway", "instruments", "openness", "telemetry"}] == []  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("cls", SERIALIZERS, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_the_fields_are_those_drf_builds_in_each_language(cls):
    for language in ("en", "zh-hans", "en", "zh-hans"):  # built in each, then copied
        with translation.override(language):
            assert repr(cls().get_fields()) == repr(serializers.ModelSerializer.get_fields(cls()))


def test_each_serializer_has_its_own_fields():
    from booking.serializers import ReservationSerializer

    first, second = ReservationSerializer(), ReservationSerializer()
    assert first.fields["instrument"] is not second.fields["instrument"]
    assert first.fields["instrument"].parent is first and second.fields["instrument"].parent is second
    assert first.fields["history"].child is not second.fields["history"].child
