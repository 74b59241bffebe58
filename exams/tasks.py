"""Celery tasks of the exams app (thin, idempotent wrappers around services)."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
def finalise_overdue_attempts() -> int:
    """Every minute (beat): close attempts whose deadline has passed, with what was saved."""
    from exams.services.attempts import finalise_overdue

    return finalise_overdue()


@shared_task(acks_late=True)
def issue_exam_certificate(attempt_id: int, hours: str, passed_on: str) -> None:
    """After a pass: the exam certificate (idempotent, one per person and exam)."""
    import datetime as dt
    from decimal import Decimal

    from exams.services.attempts import issue_certificate

    issue_certificate(
        attempt_id=attempt_id, hours=Decimal(hours) if hours else None, passed_on=dt.date.fromisoformat(passed_on)
    )
