"""Celery wrappers of the sending (thin and idempotent: each run sends only what is still pending)."""

from __future__ import annotations

from celery import shared_task
from django.utils.dateparse import parse_datetime


@shared_task(acks_late=True)
def deliver_event(dedupe_key: str) -> dict:
    from notifications.services.delivery import deliver_event as run

    result = run(dedupe_key=dedupe_key)
    return {"email": result.email, "sms": result.sms}


@shared_task(acks_late=True)
def deliver_due() -> dict:
    from notifications.services.delivery import deliver_due as run

    result = run()
    return {"email": result.email, "sms": result.sms}


@shared_task(acks_late=True)
def send_digests() -> dict:
    from notifications.services.delivery import send_digests as run

    result = run()
    return {"email": result.email, "sms": result.sms}


@shared_task(acks_late=True)
def run_reminder(name: str, now: str | None = None) -> dict:
    from notifications import reminders

    return reminders.run(name, now=parse_datetime(now) if now else None)
