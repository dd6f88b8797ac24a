"""Logs as one JSON object a line (LOG_FORMAT=json), for log collectors, and the request id
that ties a request's lines together."""

import contextvars
import datetime as dt
import logging
import re
import uuid

import orjson
from django.http import HttpRequest, HttpResponse

from config.middleware import BothModes

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")
# An id the proxy in front already gave the request is kept, if it looks like one.
GIVEN_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exc"] = record.exc_text
        # Django logs each 4xx and 5xx answer after the middleware have returned: the id is
        # then on the request the record carries.
        if current := request_id.get() or getattr(getattr(record, "request", None), "request_id", ""):
            line["request_id"] = current
        return orjson.dumps(line, default=str).decode()


class RequestIdMiddleware(BothModes):
    """Gives each request an id (X-Request-ID, kept from the proxy or made here) that its
    log lines carry and the response returns."""

    def call(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(_id_of(request))
        try:
            return _returned(self.get_response(request))
        finally:
            request_id.reset(token)

    async def acall(self, request: HttpRequest) -> HttpResponse:
        token = request_id.set(_id_of(request))
        try:
            return _returned(await self.get_response(request))
        finally:
            request_id.reset(token)


def _id_of(request: HttpRequest) -> str:
    given = request.headers.get("X-Request-ID", "")
    request.request_id = given if GIVEN_ID.fullmatch(given) else uuid.uuid4().hex
    return request.request_id


def _returned(response: HttpResponse) -> HttpResponse:
    response.setdefault("X-Request-ID", request_id.get())
    return response
