"""Structured logs: one line per request, per failed task, and the formatters that write them.

Every request gets an id: the proxy's ``X-Request-ID`` when it sent one (cleaned to at
most 64 characters of ``[A-Za-z0-9_-]``, since it is copied into logs and a response
header), otherwise a fresh one. The id is echoed in the response and attached to every
log record written while the request runs (``RequestIdFilter``), so an error's traceback
can be found from the line of the request that caused it.

The request line holds the path without its query string: filters and searches put
names and 工号 there. Task failures summarise their arguments by type for the same
reason (``send_identifier_change_notice`` is called with an e-mail address).

``LOG_FORMAT=json`` (the production default) writes one JSON object per line to stdout
for journald or a log collector; ``text`` writes ``key=value`` lines for people.

This module is imported while logging is configured, before the apps are loaded: it
must not import models.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.utils.functional import empty

request_logger = logging.getLogger("fazhi.request")
task_logger = logging.getLogger("fazhi.task")

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
REQUEST_ID_MAX_LENGTH = 64
_current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# Attributes every LogRecord has; anything else on a record came from ``extra=`` and is a field.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {"message", "asctime"}


def clean_request_id(value: str | None) -> str:
    """The proxy's id reduced to safe characters, or a new id when nothing usable is left."""
    cleaned = _REQUEST_ID_UNSAFE.sub("", value or "")[:REQUEST_ID_MAX_LENGTH]
    return cleaned or uuid.uuid4().hex


def current_request_id() -> str | None:
    return _current_request_id.get()


def _user_id(request) -> str:
    user = getattr(request, "user", None)
    # Only a user the request has already loaded: loading it here would add queries to
    # responses that never needed it (static files, the health check).
    if user is None or getattr(user, "_wrapped", None) is empty:
        return "-"
    return str(user.pk) if user.is_authenticated else "-"


class RequestLogMiddleware:
    """Gives the request its id and writes its line: INFO, or WARNING when slower than SLOW_REQUEST_MS.

    Near the top of MIDDLEWARE so the duration covers the whole stack and the id is set
    before anything else logs. A streamed response (Excel exports) is timed until its
    first byte is ready, not until the last one has been sent.
    """

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request):
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER))
        request.request_id = request_id
        token = _current_request_id.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            elapsed_ms = (time.perf_counter() - started) * 1000
            response[REQUEST_ID_HEADER] = request_id
            slow = elapsed_ms > settings.SLOW_REQUEST_MS
            fields = {
                "request_id": request_id,
                "user_id": _user_id(request),
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "duration_ms": round(elapsed_ms, 1),
            }
            request_logger.log(
                logging.WARNING if slow else logging.INFO,
                "%s %s %s %.0fms%s",
                request.method,
                request.path,
                response.status_code,
                elapsed_ms,
                " slow" if slow else "",
                extra={**fields, "slow": slow},
            )
            return response
        finally:
            _current_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Adds the running request's id to records written during it (handlers' filter)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _current_request_id.get()
        if request_id is not None and not hasattr(record, "request_id"):
            record.request_id = request_id
        return True


def _fields(record: logging.LogRecord) -> dict:
    """The record's ``extra=`` values that are plain text, numbers or booleans.

    Other libraries attach objects whose text holds personal data: Django's ``request``
    (its repr has the query string), Celery's ``data`` (the task's arguments). They are left out.
    """
    return {
        key: value
        for key, value in vars(record).items()
        if key not in _RECORD_ATTRIBUTES and (value is None or isinstance(value, str | int | float))
    }


def _timestamp(record: logging.LogRecord) -> str:
    return dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, message, the record's fields, exc."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_fields(record),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def _kv(value) -> str:
    text = str(value)
    return json.dumps(text, ensure_ascii=False) if not text or re.search(r'[\s="]', text) else text


class KeyValueFormatter(logging.Formatter):
    """``time level logger message key=value …`` for reading in a terminal; tracebacks follow."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_timestamp(record), record.levelname, record.name, record.getMessage()]
        parts += [f"{key}={_kv(value)}" for key, value in _fields(record).items()]
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        if record.stack_info:
            line += "\n" + self.formatStack(record.stack_info)
        return line


def summarise_arguments(args, kwargs) -> str:
    """Task arguments by kind: numbers and booleans as they are, anything else only by type and size.

    Our tasks take ids, years and dates; the few that carry text (an e-mail address, old and
    new 工号) must not copy it into the logs.
    """

    def one(value) -> str:
        if value is None or isinstance(value, bool | int | float):
            return repr(value)
        if isinstance(value, str | bytes | list | tuple | dict | set):
            return f"<{type(value).__name__} len={len(value)}>"
        return f"<{type(value).__name__}>"

    shown = [one(a) for a in args or ()] + [f"{k}={one(v)}" for k, v in (kwargs or {}).items()]
    return "(" + ", ".join(shown) + ")"


def log_task_failure(*, task_name: str, task_id: str | None, args, kwargs, exception: BaseException, traceback=None):
    """The line a failed Celery task leaves (config/celery.py connects it to ``task_failure``)."""
    task_logger.error(
        "task %s failed: %s: %s",
        task_name,
        type(exception).__name__,
        exception,
        exc_info=(type(exception), exception, traceback) if traceback is not None else None,
        extra={
            "task": task_name,
            "task_id": task_id,
            "task_args": summarise_arguments(args, kwargs),
            "exception": f"{type(exception).__name__}: {exception}",
        },
    )


def sentry_before_send(event: dict, hint: dict) -> dict:
    """Sentry gets no query strings, cookies or request bodies: they hold names, 工号 and answers."""
    request = event.get("request")
    if isinstance(request, dict):
        for key in ("query_string", "cookies", "data"):
            request.pop(key, None)
    return event
