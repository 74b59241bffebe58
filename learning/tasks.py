"""Celery tasks of the learning app: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def send_monthly_reminders(today: str | None = None) -> dict:
    """Remind officials behind pace and send HR their digest (idempotent per month)."""
    import datetime as dt

    from learning.services.reminders import send_monthly_reminders as run

    day = dt.date.fromisoformat(today) if today else None
    return run(today=day)
