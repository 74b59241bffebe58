"""Wiring of the credential review, done once in ``LearningConfig.ready``: admin, signal receivers and the roster job kinds.

Receivers only enqueue the (idempotent) tasks; the review's rules live in
``learning.services.review``.
"""

from __future__ import annotations

from django.db import transaction


def reevaluate_after_makeup(sender, entry, **kwargs) -> None:
    """An exam pass or an HR posting may clear a failed review: re-evaluate that person's outcomes."""
    from learning.models import SourceKind
    from learning.selectors.review import failed_outcome_exists
    from learning.tasks_review import re_evaluate_person_review

    if entry.source_kind not in (SourceKind.EXAM, SourceKind.MANUAL) and entry.reverses_id is None:
        return
    if not failed_outcome_exists(entry.user_id, entry.year):
        return
    user_id, year = entry.user_id, entry.year
    transaction.on_commit(lambda: re_evaluate_person_review.delay(user_id, year))


def review_when_year_closed(sender, instance, created, raw=False, **kwargs) -> None:
    """Closing a year gives every credential its review outcome (after the close commits)."""
    from learning.tasks_review import run_annual_review_task

    if created and not raw:
        year = instance.year
        transaction.on_commit(lambda: run_annual_review_task.delay(year))


def connect() -> None:
    from django.db.models.signals import post_save

    from learning import admin_review  # noqa: F401  (registering is the import's effect)
    from learning.models import YearClose
    from learning.signals import hours_posted

    hours_posted.connect(reevaluate_after_makeup, dispatch_uid="review_reevaluate_after_makeup")
    post_save.connect(review_when_year_closed, sender=YearClose, dispatch_uid="review_when_year_closed")

    from jobs import registry
    from learning.review_export import ROSTER_PDF, ROSTER_XLSX

    registry.register(ROSTER_PDF)
    registry.register(ROSTER_XLSX)
