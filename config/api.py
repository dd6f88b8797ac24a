"""Project-wide REST conventions: pagination, the error format and the model serializer.

Errors are JSON. Validation problems come field by field ({"field": ["message"]});
everything else as {"detail": "message"}. Domain services raise Django's
ValidationError and PermissionDenied; they are answered like DRF's own.
"""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import get_language
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler


class ModelSerializer(serializers.ModelSerializer):
    """DRF's model serializer, with its fields worked out from the model once per class and
    language, not for every serializer made.

    DRF introspects the model again for every serializer it makes (every answer, every
    nested object): about a seventh of the web processes' CPU in `bench/booking_bench.py`.
    The fields depend only on the class, its Meta and the language (DRF gives a field a
    label only where the translated name differs from the field's own), so each
    serializer gets a copy of those built the first time, as DRF itself copies declared
    fields.
    """

    def get_fields(self):
        built = type(self).__dict__.get("_fields_built")
        if built is None:
            built = {}
            type(self)._fields_built = built
        language = get_language()
        if language not in built:
            built[language] = super().get_fields()
        return copy.deepcopy(built[language])


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
