"""Project-wide REST conventions: pagination, filters, the error format and the serializers.

Errors are JSON. Validation problems come field by field ({"field": ["message"]});
everything else as {"detail": "message"}. Domain services raise Django's
ValidationError and PermissionDenied; they are answered like DRF's own.
"""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import get_language
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, serializers
from rest_framework.fields import Field
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


# The project's serializers: DRF's, with fields made once per class and copied cheaply
# for each serializer (they took a fifth of the CPU of reading an instrument through the API
# in `bench/booking_bench.py`).
#
# DRF's model serializer introspects the model again for every serializer it makes (every
# answer, every nested object). Those fields depend only on the class, its Meta and the
# language (DRF gives a field a label only where the translated name differs from the
# field's own), so they are built once per class and language. Declared fields do not
# depend on the language.
#
# DRF copies a field by making it anew from its arguments, which costs most of what
# building it did. A field that holds no other field (a nested serializer, a list's child)
# is copied here as a new object with the same attributes: binding it to its serializer
# sets the copy's own, and nothing changes the containers it shares (choices, validators,
# error messages) once it is made. The others are copied as DRF copies them.
#
# (Comments, not docstrings: drf-spectacular would describe every serializer without a
# docstring of its own in the API schema with them.)
class Serializer(serializers.Serializer):
    def get_fields(self):
        return _copies(_templates(type(self), "", lambda: self._declared_fields))


class ModelSerializer(serializers.ModelSerializer):
    def get_fields(self):
        return _copies(_templates(type(self), get_language(), super().get_fields))


def _templates(cls: type, key: str, build) -> list:
    """The fields to copy, with how to copy each, made once per class and key."""
    made = cls.__dict__.get("_field_templates")
    if made is None:
        made = {}
        cls._field_templates = made  # type: ignore[attr-defined]
    if key not in made:
        made[key] = [(name, field, _copier(field)) for name, field in build().items()]
    return made[key]


def _copies(templates: list) -> dict:
    return {name: copier(field) for name, field, copier in templates}


def _copier(field: Field):
    holds_fields = isinstance(field, serializers.BaseSerializer) or any(
        isinstance(value, Field) for value in vars(field).values()
    )
    return copy.deepcopy if holds_fields else _shallow_copy


def _shallow_copy(field: Field) -> Field:
    copied = object.__new__(type(field))
    copied.__dict__.update(field.__dict__)
    return copied


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend for lists only. DRF applies the filters to a detail request
    too, which builds the whole filter form to find one object by its key (a twelfth of a
    read in `bench/booking_bench.py`); who may see it is the view's queryset, not a filter."""

    def filter_queryset(self, request, queryset, view):
        if getattr(view, "detail", False):
            return queryset
        return super().filter_queryset(request, queryset, view)


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail=detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    return drf_exception_handler(exc, context)


class NoNullCharacters:
    """For related fields looked up by a text key (codes): a NUL character is refused as in
    any text field (PostgreSQL could not even compare it), with the same message."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            ProhibitNullCharactersValidator()(data)
        return super().to_internal_value(data)


class CodeRelatedField(NoNullCharacters, serializers.SlugRelatedField):
    pass


class TextKeyRelatedField(NoNullCharacters, serializers.PrimaryKeyRelatedField):
    pass
