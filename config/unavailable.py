"""503 instead of 500 while the database is away (restarting, failing over, out of
connections): the API answers JSON, pages a short page of their own, both with
Retry-After. The request's transaction was rolled back with the connection, so nothing
half-written stays behind, and the next request connects again by itself.

A view's failure reaches the middleware below; a middleware's own (reading the session or
the signed-in user, saving the session) reaches Django's last-chance handler, `server_error`.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.utils.deprecation import MiddlewareMixin
from django.utils.translation import gettext_lazy as _
from django.views import defaults

log = logging.getLogger(__name__)
DATABASE_AWAY = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 30
API_PREFIX = "/api/"
UNAVAILABLE = _("The service is briefly unavailable: it cannot reach its database. Please try again in a moment.")


class DatabaseUnavailableMiddleware(MiddlewareMixin):
    """Answers 503 for a view that failed because the database could not be reached."""

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_AWAY):
            return None
        log.warning("database unavailable for %s %s: %s", request.method, request.path, exception)
        return unavailable(request)


def unavailable(request: HttpRequest) -> HttpResponse:
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": str(UNAVAILABLE)}, status=503)
    else:
        # Rendered without a request: the page must not need the database, the user or a context processor.
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's handler500: the project's 500 page, or the 503 answer when what failed
    outside any view was the database being away."""
    error = sys.exc_info()[1]
    if isinstance(error, DATABASE_AWAY):
        log.warning("database unavailable for %s %s: %s", request.method, request.path, error)
        return unavailable(request)
    return defaults.server_error(request)
