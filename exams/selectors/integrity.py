"""What the integrity options logged, for the people who see the grades (statistics, grading queue).

Names follow the statistics' rule (``exams.selectors.stats``): HR officers and administrators see the
people of their scope by name; trainers and graders see the answer sheet number only, as in the
grading queue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from accounts.models import Role
from accounts.scope import filter_people
from exams.models import AttemptEvent, Exam, ExamAttempt

Kind = AttemptEvent.Kind


@dataclass
class IntegrityRow:
    attempt: ExamAttempt
    counts: list[tuple[str, int]] = field(default_factory=list)
    show_name: bool = False


def _counts(row: dict) -> list[tuple[str, int]]:
    return [(str(label), row[f"n_{value}"]) for value, label in Kind.choices if row[f"n_{value}"]]


def exam_integrity(viewer, exam: Exam) -> list[IntegrityRow]:
    """Every attempt of ``exam`` with a logged event, newest first, with its count per kind (two queries).

    HR officers see only the attempts of people in their scope (and their names); trainers and
    administrators all attempts.
    """
    sees_names = viewer.has_role(Role.HR) or viewer.has_role(Role.ADMIN)
    attempts = ExamAttempt.objects.filter(exam=exam)
    if not (viewer.has_role(Role.TRAINER) or viewer.has_role(Role.ADMIN)):
        attempts = filter_people(viewer, attempts, "user")
    counts = {f"n_{value}": Count("events", filter=Q(events__kind=value)) for value in Kind.values}
    rows = list(
        attempts.annotate(events_total=Count("events"), **counts)
        .filter(events_total__gt=0)
        .values("pk", "events_total", *counts)
    )
    by_pk = {row["pk"]: row for row in rows}
    found = (
        ExamAttempt.objects.filter(pk__in=list(by_pk)).select_related("user", "user__org_unit").order_by("-started_at")
    )
    named = set()
    if sees_names and found:
        named = set(filter_people(viewer, found, "user").values_list("pk", flat=True))
    return [IntegrityRow(a, _counts(by_pk[a.pk]), a.pk in named) for a in found]


def event_counts(attempt_ids) -> dict[int, list[tuple[str, int]]]:
    """attempt id → [(kind label, count)] of the attempts that have logged events (one query)."""
    labels = dict(Kind.choices)
    found: dict[int, list[tuple[str, int]]] = {}
    rows = (
        AttemptEvent.objects.filter(attempt_id__in=list(attempt_ids))
        .values("attempt_id", "kind")
        .annotate(n=Count("pk"))
        .order_by("attempt_id", "kind")
    )
    for row in rows:
        found.setdefault(row["attempt_id"], []).append((str(labels.get(row["kind"], row["kind"])), row["n"]))
    return found
