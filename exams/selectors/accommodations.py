"""Accommodations (考试特殊安排): which one applies to a person, and what it does to their times.

The rule, one place (``arrangement_q`` in SQL, read back by ``arrangement_of``):

1. The rows that apply to a person for an exam are the one naming them and those of their
   unit or any unit above it (``accounts.audience.unit_holds_q``: a unit stands for its subtree).
2. The person's own row, when there is one, is what applies: a trainer who decided for the
   person decided everything for them (it replaces their units' rows, even a more generous one).
3. Otherwise, of their units' rows: the most extra minutes, and the separate window that closes
   last (ties: the one that opens first).

What it does (``window``, ``deadline``): a separate window replaces the exam's window for
starting; the attempt's deadline is ``start + duration + extra minutes``, cut at the window's
close (the separate one, else the exam's) *plus* the extra minutes, so that a person with extra
time gets it even when they start late. The server holds every save and submission to the
attempt's own deadline (``exams.services.attempts``), so nothing else changes.

The start reads it in the exam's own query (``exams.selectors.exams.published_exam_for``
annotates it): an exam start stays the same few statements.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.audience import unit_holds_q
from exams.models import Exam, ExamAccommodation

_NAMES = ("_acc_user", "_acc_minutes", "_acc_opens", "_acc_closes")


@dataclass(frozen=True)
class Arrangement:
    """What applies to one person in one exam (nothing: ``Arrangement()``)."""

    extra_minutes: int = 0
    opens_at: datetime | None = None
    closes_at: datetime | None = None

    @property
    def has_window(self) -> bool:
        return self.closes_at is not None

    def __bool__(self) -> bool:
        return bool(self.extra_minutes) or self.has_window

    def window(self, exam: Exam) -> tuple[datetime, datetime]:
        """When the person may start: their separate window, else the exam's."""
        if self.has_window:
            return self.opens_at, self.closes_at
        return exam.opens_at, exam.closes_at

    def deadline(self, exam: Exam, started_at: datetime) -> datetime:
        """The deadline of an attempt started at ``started_at``."""
        extra = timedelta(minutes=self.extra_minutes)
        _opens, closes = self.window(exam)
        return min(started_at + timedelta(minutes=exam.duration_minutes) + extra, closes + extra)


def _applying(user, exam_ref: str) -> QuerySet[ExamAccommodation]:
    """Rule 1: the rows of the exam at ``exam_ref`` (an outer reference) that cover ``user``."""
    return ExamAccommodation.objects.filter(exam_id=OuterRef(exam_ref)).filter(
        Q(user_id=user.pk) | Q(unit__isnull=False) & unit_holds_q("unit", user)
    )


def _annotations(user) -> dict:
    applying = _applying(user, "pk")
    own_first = F("user_id").desc(nulls_last=True)  # the person's own row is the only one with a user
    # Rules 2 and 3 for the window: the person's own row alone if there is one, else every unit's.
    has_own = Exists(ExamAccommodation.objects.filter(exam_id=OuterRef("exam_id"), user_id=user.pk))
    windows = (
        applying.filter(Q(user_id=user.pk) | ~has_own)
        .filter(closes_at__isnull=False)
        .order_by(own_first, "-closes_at", "opens_at")
    )
    return {
        "_acc_user": Value(user.pk, output_field=IntegerField()),
        "_acc_minutes": Subquery(applying.order_by(own_first, "-extra_minutes").values("extra_minutes")[:1]),
        "_acc_opens": Subquery(windows.values("opens_at")[:1]),
        "_acc_closes": Subquery(windows.values("closes_at")[:1]),
    }


def window_open_after(user, now: datetime) -> Exists:
    """Over exams: a separate window that covers ``user`` closes after ``now`` (their sitting is still to come)."""
    return Exists(_applying(user, "pk").filter(closes_at__gt=now))


def with_arrangement(queryset: QuerySet[Exam], user) -> QuerySet[Exam]:
    """Exams annotated, in their own query, with what applies to ``user`` (``arrangement_of`` reads it)."""
    return queryset.annotate(**_annotations(user))


def arrangement_of(exam: Exam, user) -> Arrangement:
    """What applies to ``user`` in ``exam``: from ``with_arrangement``'s annotations, else one query."""
    if getattr(exam, "_acc_user", None) == user.pk:
        values = {name: getattr(exam, name) for name in _NAMES}
    else:
        values = Exam.objects.filter(pk=exam.pk).annotate(**_annotations(user)).values(*_NAMES).first() or {}
    return Arrangement(
        extra_minutes=int(values.get("_acc_minutes") or 0),
        opens_at=_aware(values.get("_acc_opens")),
        closes_at=_aware(values.get("_acc_closes")),
    )


def _aware(value) -> datetime | None:
    """A time read back from an annotation: the start's query runs raw (``core.db.QueryTemplate``), where
    Django converts no annotation, and SQLite hands back its stored UTC text."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


def accommodations_of(exam: Exam) -> list[ExamAccommodation]:
    """The exam's accommodations for its admin page: people's first, then units' (one query)."""
    return list(
        exam.accommodations.select_related("user__org_unit", "unit", "granted_by").order_by(
            F("user_id").asc(nulls_last=True), "unit__full_path", "user__full_name", "pk"
        )
    )


def latest_close(exam: Exam) -> datetime:
    """When the last person covered by an accommodation must have finished (the exam's close at least)."""
    latest = exam.closes_at
    for row in exam.accommodations.only("extra_minutes", "closes_at"):
        latest = max(latest, (row.closes_at or exam.closes_at) + timedelta(minutes=row.extra_minutes))
    return latest
