"""Receivers of the credential review, connected in ``ReviewConfig.ready``.

They only enqueue the (idempotent) tasks; the review's rules live in
``review.services.review``.
"""

from __future__ import annotations

from django.db import transaction


def reevaluate_after_makeup(sender, entry, **kwargs) -> None:
    """An exam pass or an HR posting may clear a failed review: re-evaluate that person's outcomes."""
    from learning.models import SourceKind
    from review.selectors.review import failed_outcome_exists
    from review.tasks import re_evaluate_person_review

    if entry.source_kind not in (SourceKind.EXAM, SourceKind.MANUAL) and entry.reverses_id is None:
        return
    if not failed_outcome_exists(entry.user_id, entry.year):
        return
    user_id, year = entry.user_id, entry.year
    transaction.on_commit(lambda: re_evaluate_person_review.delay(user_id, year))


def review_when_year_closed(sender, instance, created, raw=False, **kwargs) -> None:
    """Closing a year gives every credential its review outcome (after the close commits)."""
    from review.tasks import run_annual_review_task

    if created and not raw:
        year = instance.year
        transaction.on_commit(lambda: run_annual_review_task.delay(year))
