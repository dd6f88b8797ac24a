"""The project's serializers build their fields once per class and give every serializer
its own copy of them."""

import pytest
from django.urls import get_resolver
from django.utils import translation
from rest_framework import serializers

from config.api import ModelSerializer, Serializer


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_all_subclasses(sub)]
    return found


get_resolver().url_patterns  # noqa: B018 - imports every API module, and so every serializer
SERIALIZERS = _all_subclasses(ModelSerializer)
PLAIN = [cls for cls in _all_subclasses(Serializer) if not issubclass(cls, serializers.ModelSerializer)]
PROJECT = {"accounts", "billing", "booking", "config", "gateway", "instruments", "openness", "telemetry"}


def test_every_model_serializer_of_the_project_uses_it():
    assert len(SERIALIZERS) >= 20
    plain = [cls for cls in _all_subclasses(serializers.ModelSerializer) if not issubclass(cls, ModelSerializer)]
    assert [cls for cls in plain if cls.__module__.split(".")[0] in PROJECT] == []


def test_every_plain_serializer_of_the_project_uses_it():
    assert len(PLAIN) >= 25
    # (A subclass of a library's serializer, such as DRF's token form, keeps that base.)
    direct = [cls for cls in _all_subclasses(serializers.Serializer) if serializers.Serializer in cls.__bases__]
    assert [cls for cls in direct if cls.__module__.split(".")[0] in PROJECT and cls is not Serializer] == []


@pytest.mark.django_db  # a related field's repr lists its queryset
@pytest.mark.parametrize("cls", PLAIN, ids=lambda cls: f"{cls.__module__}.{cls.__name__}")
def test_the_declared_fields_are_copies_of_drfs(cls):
    for _ in range(2):
        fields = cls().get_fields()
        assert repr(fields) == repr(serializers.Serializer.get_fields(cls()))
        assert all(field is not cls._declared_fields[name] for name, field in fields.items())


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


def test_a_copied_field_is_bound_to_its_own_serializer_only():
    from booking.serializers import ReservationSerializer

    first, second = ReservationSerializer(), ReservationSerializer()
    for name in ("purpose", "start", "status"):
        assert first.fields[name] is not second.fields[name]
        assert first.fields[name].parent is first and second.fields[name].parent is second
        assert first.fields[name].field_name == name
    for _, template, _ in ReservationSerializer._field_templates[translation.get_language()]:
        assert template.parent is None  # the fields copied from are never bound


@pytest.mark.django_db
def test_a_copied_field_still_validates_alone():
    from booking.serializers import ReservationCreateSerializer

    long_purpose = ReservationCreateSerializer(data={"purpose": "x" * 5000})
    assert not long_purpose.is_valid()
    fine = ReservationCreateSerializer(data={"purpose": "x"})
    fine.is_valid()
    assert "purpose" in long_purpose.errors and "purpose" not in fine.errors
