"""Celery tasks of the credential review: thin, idempotent wrappers around ``review.services.review``.

The tasks keep the names they were registered under inside the learning app
(``learning.tasks_review.*``): messages waiting in the broker, the routes in
``config/settings/base.py`` and the beat entries (``review.schedules``) refer to them by name.
"""

from __future__ import annotations

import logging

from celery import shared_task

__all__ = [
    "re_evaluate_failing_outcomes",
    "re_evaluate_person_review",
    "run_annual_review_task",
    "send_review_reminders",
]

logger = logging.getLogger(__name__)


@shared_task(name="learning.tasks_review.run_annual_review_task", acks_late=True)
def run_annual_review_task(year: int) -> dict | str:
    """Review every credential for ``year`` (enqueued when the year is closed); re-running changes nothing."""
    from review.services.review import ReviewError, run_annual_review

    try:
        run = run_annual_review(year=year)
    except ReviewError as exc:
        logger.info("annual review of %s skipped: %s", year, exc)
        return str(exc)
    return {"reviewed": run.reviewed, "passed": run.passed, "failed": run.failed, "cleared": run.cleared}


@shared_task(name="learning.tasks_review.re_evaluate_person_review", acks_late=True)
def re_evaluate_person_review(user_id: int, year: int | None = None) -> int:
    """Re-evaluate one person's failing outcomes after a make-up (exam pass or HR posting)."""
    from review.services.review import re_evaluate_person

    return re_evaluate_person(user_id=user_id, year=year)


@shared_task(name="learning.tasks_review.re_evaluate_failing_outcomes", acks_late=True)
def re_evaluate_failing_outcomes() -> int:
    """Nightly: re-evaluate every failing outcome (catches make-ups that posted no hours)."""
    from review.services.review import re_evaluate_failing

    return re_evaluate_failing()


@shared_task(name="learning.tasks_review.send_review_reminders", acks_late=True)
def send_review_reminders(today: str | None = None) -> dict:
    """Remind holders at risk of failing the review and send HR their digest (idempotent per month)."""
    import datetime as dt

    from review.services.reminders import send_review_reminders as run

    return run(today=dt.date.fromisoformat(today) if today else None)
