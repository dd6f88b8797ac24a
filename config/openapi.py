"""The error answers of every API operation, in the published OpenAPI schema.

drf-spectacular documents the successful answers; the errors follow the project's format
(config/api.py) the same way everywhere, so they are added to each operation here: 400 with
the problems field by field, and {"detail": "message"} for the refusals — 401 (no or a bad
token), 403 (not allowed), 404 (no such object or page), 409 (the object's state forbids
it, on changes) and 429 (too many requests).
"""

from django.utils.translation import gettext_lazy as _

VALIDATION_ERRORS = {
    "type": "object",
    "description": "The problems, field by field ({field: [message]}), or non_field_errors, or detail.",
    "additionalProperties": True,
}
ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
ERRORS = {
    "400": (_("The request is not valid."), "ValidationErrors"),
    "401": (_("Not signed in, or the token is not valid."), "ErrorDetail"),
    "403": (_("Not allowed."), "ErrorDetail"),
    "404": (_("Not found."), "ErrorDetail"),
    "429": (_("Too many requests: try again later."), "ErrorDetail"),
}
CHANGE_ERRORS = {"409": (_("The object's state does not allow it."), "ErrorDetail")}
CHANGES = {"post", "put", "patch", "delete"}


def error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: document the error answers of every operation,
    leaving those an operation documents itself."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("ValidationErrors", VALIDATION_ERRORS)
    schemas.setdefault("ErrorDetail", ERROR_DETAIL)
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            errors = {**ERRORS, **(CHANGE_ERRORS if method in CHANGES else {})}
            for status, (description, component) in errors.items():
                operation["responses"].setdefault(
                    status,
                    {
                        "description": str(description),
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result
