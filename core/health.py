"""``/health/`` for load balancers and monitors: 200 when everything we depend on answers, 503 naming what does not.

Built on django-health-check's view: JSON (check → "OK" or the failure) for
``Accept: application/json`` or ``?format=json``, a plain-text page otherwise.
The checks: a ``SELECT 1``; the cache (Redis is pinged itself, past
``core.cache``'s forgiveness); the Celery broker (connect and ping); a small
file written, read and deleted in MEDIA_ROOT and in PRIVATE_MEDIA_ROOT; one
broadcast asking the workers which queues they consume (every queue of
CELERY_TASK_QUEUES needs one). Without a broker (the embedded mode, tasks run
in-process) the broker and worker checks report "不适用" instead of failing.
Everything but the worker broadcast takes milliseconds; the broadcast waits one
second for replies, so a call takes about a second with a broker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import uuid

import celery
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import HttpResponse, JsonResponse
from health_check import checks
from health_check.base import HealthCheck
from health_check.exceptions import ServiceUnavailable
from health_check.views import HealthCheckView

from core.cache import UNAVAILABLE, ForgivingRedisCache

NOT_APPLICABLE = "不适用：未配置 CELERY_BROKER_URL，任务在进程内执行"


def _eager() -> bool:
    return bool(settings.CELERY_TASK_ALWAYS_EAGER)


@dataclasses.dataclass
class Cache(checks.Cache):
    """The library's set-and-get, except that a forgiving Redis cache is pinged directly."""

    async def run(self):
        cache = caches[self.alias]
        if not isinstance(cache, ForgivingRedisCache):
            return await super().run()
        try:
            cache.ping()
        except UNAVAILABLE as exc:
            raise ServiceUnavailable(f"Redis: {type(exc).__name__}") from exc


@contextlib.contextmanager
def _broker_connection(app, timeout: float):
    """A connection to the broker, or ServiceUnavailable at once (no retrying for minutes)."""
    with app.connection_for_write() as connection:
        try:
            connection.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
            connection.default_channel  # noqa: B018 - opening the channel pings Redis
        except Exception as exc:  # kombu raises each transport's own errors; all of them mean "down"
            raise ServiceUnavailable(f"broker: {type(exc).__name__}") from exc
        yield connection


def _celery_app():
    from config.celery import app

    return app


@dataclasses.dataclass
class Broker(HealthCheck):
    """Connect to the Celery broker and ping it (Redis: ``PING`` on a fresh connection)."""

    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=2), repr=False)

    def pretty_status(self) -> str:
        return NOT_APPLICABLE if _eager() else "OK"

    def run(self):
        if _eager():
            return
        with _broker_connection(_celery_app(), self.timeout.total_seconds()):
            pass


@dataclasses.dataclass
class Worker(HealthCheck):
    """A live worker for every queue in CELERY_TASK_QUEUES.

    One broadcast (``inspect active_queues``) answers both "is a worker alive" and "which queues
    are consumed"; the library's ``Ping`` check needs two round trips for the same.
    """

    app: celery.Celery = dataclasses.field(default_factory=_celery_app, repr=False)
    # How long the broadcast waits for every worker to answer: nearly all of a health call's time
    # (the replies come in milliseconds, but kombu's Redis transport polls in whole seconds).
    timeout: datetime.timedelta = dataclasses.field(default=datetime.timedelta(seconds=1), repr=False)

    def pretty_status(self) -> str:
        return NOT_APPLICABLE if _eager() else "OK"

    def run(self):
        if _eager():
            return
        wait = self.timeout.total_seconds()
        with _broker_connection(self.app, wait) as connection:
            replies = self.app.control.inspect(timeout=wait, connection=connection).active_queues() or {}
        if not replies:
            raise ServiceUnavailable("Celery workers unavailable")
        consumed = {queue["name"] for queues in replies.values() for queue in queues}
        missing = [queue.name for queue in self.app.conf.task_queues or () if queue.name not in consumed]
        if missing:
            raise ServiceUnavailable(f"No worker for Celery queue {', '.join(missing)}")


@dataclasses.dataclass
class PrivateStorage(checks.Storage):
    """Write, read back and delete a small file where certificate PDFs live (PRIVATE_MEDIA_ROOT)."""

    alias: str = "private"

    @property
    def storage(self):
        # The same root the private storage uses; core does not reach up into the apps for it.
        return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT)

    def get_file_name(self):
        return f"health_check/{uuid.uuid4().hex}.txt"

    def check_save(self, file_name, file_content):
        name = self.storage.save(file_name, ContentFile(file_content))
        with self.storage.open(name) as f:
            if f.read() != file_content:
                raise ServiceUnavailable("File content does not match")
        return name


class HealthView(HealthCheckView):
    """JSON for ``Accept: application/json`` (or ``?format=json``), a plain-text page otherwise."""

    checks = (checks.Database, Cache, Broker, Worker, checks.Storage, PrivateStorage)

    async def get(self, request, *args, **kwargs):
        response = await super().get(request, *args, **kwargs)
        if response.status_code == 500:  # the library's "a check failed"; monitors expect 503
            response.status_code = 503
        return response

    def _status(self, result) -> str:
        return str(result.error) if result.error else result.check.pretty_status()

    def render_to_response(self, context, **response_kwargs):
        # The library's HTML page carries an inline <style> our CSP refuses; the text says the same.
        return self.render_to_response_text(response_kwargs.get("status", 200))

    def render_to_response_text(self, status):
        lines = [f"{result.check!r}: {self._status(result)} ({result.time_taken:.3f} s)" for result in self.results]
        return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8", status=status)

    def render_to_response_json(self, status):
        return JsonResponse(
            {repr(result.check): self._status(result) for result in self.results},
            status=status,
            json_dumps_params={"ensure_ascii": False},
        )
