"""The single way to write an audit-trail entry, and who is acting right now."""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any

from .models import AuditLog

_actor: contextvars.ContextVar = contextvars.ContextVar("audit_actor", default=None)


@contextlib.contextmanager
def acting_as(user):
    """Within this block (a web request, see ``AuditActorMiddleware``), ``user`` is the actor."""
    token = _actor.set(user)
    try:
        yield
    finally:
        _actor.reset(token)


def current_actor():
    """The signed-in user of the request being served, or ``None`` (a command, a task)."""
    return _actor.get()


def record(*, actor, action: str, summary: str, details: dict[str, Any] | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        summary=summary[:500],
        details=details or {},
    )
