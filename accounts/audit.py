"""The single way to write an audit-trail entry."""

from __future__ import annotations

from typing import Any

from .models import AuditLog


def record(*, actor, action: str, summary: str, details: dict[str, Any] | None = None) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        summary=summary[:500],
        details=details or {},
    )
