"""“我的达标路径”: what an official still lacks this year, and what they can take to close the gap.

Only things the official can actually take are suggested, each decided by its owner's
rule: courses by ``cms.selectors.courses.courses_for`` (published, in their audience)
minus those completed; exams by ``exams.selectors.exams.exams_for_learner`` (published,
in their audience, window open, attempts left, make-ups only when eligible); sessions
by the sources the apps above register with ``register_source`` (the classroom app's:
in their audience, not ended, not attended, starting before the year ends). The year's
annual law exam and the credentials' failed reviews come from the review app, through
``register_annual_exam`` and ``register_failed_reviews``; what the official's study plans
require from the plans app: courses of the year through ``register_required_courses``, exams through
``exams.audience`` (the exams a plan admits the official to).
The result is plain data and is built in a fixed number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from accounts.models import Credential
from cms.selectors.courses import courses_for
from core import timeutil
from core.registry import Registry
from exams import audience as audience_extensions
from exams.models import Exam
from exams.selectors.exams import exams_for_learner
from learning.selectors.ledger import category_names, year_balance
from learning.selectors.progress import course_progress
from learning.selectors.requirements import Shortfall, credit_rules, pace, requirement_for, shortfalls

ZERO = Decimal("0")

#: Sessions offered by apps above learning, ``source(user, *, year, names, today, now) -> list[PathItem]``.
_sources: Registry[PathItem] = Registry("path sources")
register_source = _sources.register
#: The year's annual law exam, ``provider(user, *, year) -> list[AnnualExam]``; the first one found counts.
_annual_exams: Registry[AnnualExam] = Registry("path annual exams")
register_annual_exam = _annual_exams.register
#: The years a credential of the official's did not pass its review, ``provider(user) -> list[FailedReview]``.
_failed_reviews: Registry[FailedReview] = Registry("path failed reviews")
register_failed_reviews = _failed_reviews.register
#: Courses the official is required to take in a year, ``provider(user, year) -> set[int]`` (course ids).
_required_courses: Registry[int] = Registry("path required courses")
register_required_courses = _required_courses.register


def required_course_ids(user, year: int | None = None) -> set[int]:
    """The courses some registered provider requires of ``user`` in ``year`` (this year by default)."""
    year = year or timeutil.current_year()
    return set().union(*(provider(user, year) for provider in _required_courses.providers()))


def assigned_exam_ids(user) -> set[int]:
    """The exams assigned to ``user`` on top of their own audience (a study plan's: ``exams.audience``)."""
    return audience_extensions.exam_ids_for(user)


@dataclass(frozen=True)
class PathItem:
    kind: str  # "course" | "exam" | "session"
    title: str
    url: str
    hours: Decimal
    category: str
    category_name: str
    required: bool = False
    annual_exam: bool = False
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    percent: int = 0
    detail: str = ""


@dataclass(frozen=True)
class AnnualExam:
    """The exam the official must pass this year, with its make-ups (a pass in any of them counts)."""

    exam: Exam
    family_ids: frozenset[int]
    passed: bool


@dataclass(frozen=True)
class FailedReview:
    """A year in which one of the official's credentials did not pass its review, and why."""

    credential_id: int
    year: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CategoryGap:
    code: str
    name: str
    have: Decimal
    minimum: Decimal
    missing: Decimal
    available: Decimal

    @property
    def covered(self) -> bool:
        return self.available >= self.missing


@dataclass(frozen=True)
class ExamStatus:
    title: str
    state: str  # passed | open | pending | upcoming | closed
    opens_at: dt.datetime | None = None
    closes_at: dt.datetime | None = None


@dataclass(frozen=True)
class CredentialLine:
    number: str
    status: str
    status_label: str
    failing: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class MyPath:
    year: int
    today: dt.date
    days_left: int
    hours: Decimal
    required: Decimal
    pace: Decimal
    category_gaps: list[CategoryGap]
    exam: ExamStatus | None
    required_courses: list[PathItem]
    other_courses: list[PathItem]
    exams: list[PathItem]
    sessions: list[PathItem]
    credentials: list[CredentialLine]
    #: What the year's hours still lack of the requirement (``requirements.shortfalls``).
    shortfalls: list[Shortfall]

    @property
    def missing(self) -> Decimal:
        return next((gap.missing for gap in self.shortfalls if gap.category is None), ZERO)

    @property
    def items(self) -> list[PathItem]:
        return [*self.required_courses, *self.exams, *self.sessions, *self.other_courses]

    @property
    def available_hours(self) -> Decimal:
        return sum((item.hours for item in self.items), ZERO)

    @property
    def hours_done(self) -> bool:
        return not self.shortfalls

    @property
    def exam_done(self) -> bool:
        return self.exam is None or self.exam.state == "passed"

    @property
    def done(self) -> bool:
        return self.hours_done and self.exam_done

    @property
    def open_gaps(self) -> list[CategoryGap]:
        return [g for g in self.category_gaps if g.missing > 0]

    @property
    def exam_reachable(self) -> bool:
        return self.exam_done or any(item.annual_exam for item in self.exams)

    @property
    def suffices(self) -> bool:
        """Whether taking everything listed would meet the year's requirement in time."""
        return self.available_hours >= self.missing and all(g.covered for g in self.open_gaps) and self.exam_reachable

    @property
    def still_short(self) -> Decimal:
        return max(self.missing - self.available_hours, ZERO)

    @property
    def behind(self) -> bool:
        return not self.hours_done and self.hours < self.pace

    @property
    def percent(self) -> int:
        if not self.required:
            return 100
        return max(0, min(100, int(self.hours * 100 / self.required)))


def _course_items(user, year: int, names: dict[str, str]) -> tuple[list[PathItem], list[PathItem]]:
    courses = list(courses_for(user).order_by("path"))
    progress = course_progress(user, courses)
    required_ids = required_course_ids(user, year)
    required, others = [], []
    for course in courses:
        p = progress[course.pk]
        if p.done:
            continue
        item = PathItem(
            kind="course",
            title=course.title,
            url=course.url or "",
            hours=course.credit_hours,
            category=course.category,
            category_name=names.get(course.category, course.category),
            required=course.pk in required_ids,
            percent=p.percent,
        )
        (required if item.required else others).append(item)
    return required, others


def _exam_items(user, year: int, names: dict[str, str], annual_ids: set[int], now) -> tuple[list[PathItem], list]:
    from_plans = assigned_exam_ids(user)
    rows = exams_for_learner(user, now=now, from_plans=from_plans)
    default_hours = credit_rules(year).exam_pass_hours
    items = []
    for row in rows:
        exam = row.exam
        if row.state != "open" or not row.can_start:
            continue
        hours = exam.credit_hours if exam.credit_hours is not None else default_hours
        is_annual = exam.pk in annual_ids
        in_plan = (exam.makeup_for_id or exam.pk) in from_plans
        if hours <= 0 and not (is_annual or in_plan):
            continue
        code = exam.credit_category_id or "legal"
        items.append(
            PathItem(
                kind="exam",
                title=exam.title,
                url=reverse("exams:exam_detail", args=[exam.pk]),
                hours=hours,
                category=code,
                category_name=names.get(code, code),
                required=is_annual or in_plan,
                annual_exam=is_annual,
                starts_at=exam.opens_at,
                ends_at=exam.closes_at,
                detail="makeup" if exam.makeup_for_id else "",
            )
        )
    return items, rows


def _session_items(user, year: int, names: dict[str, str], today: dt.date, now) -> list[PathItem]:
    return [
        item for source in _sources.providers() for item in source(user, year=year, names=names, today=today, now=now)
    ]


def _annual_exam(user, year: int) -> AnnualExam | None:
    return next((exam for provider in _annual_exams.providers() for exam in provider(user, year=year)), None)


def _exam_status(annual: AnnualExam | None, exam_items: list[PathItem], rows, now) -> ExamStatus | None:
    if annual is None:
        return None
    exam = annual.exam
    if annual.passed:
        state = "passed"
    elif any(item.annual_exam for item in exam_items):
        state = "open"
    elif exam.opens_at > now:
        state = "upcoming"
    elif any(r.exam.pk == exam.pk or r.exam.makeup_for_id == exam.pk for r in rows if r.summary.pending):
        state = "pending"
    else:
        state = "closed"
    return ExamStatus(exam.title, state, exam.opens_at, exam.closes_at)


def _credentials(user) -> list[CredentialLine]:
    credentials = list(Credential.objects.filter(holder_id=user.pk).order_by("number"))
    failing: dict[int, list[tuple[int, list[str]]]] = {}
    for failed in (failed for provider in _failed_reviews.providers() for failed in provider(user)):
        failing.setdefault(failed.credential_id, []).append((failed.year, list(failed.reasons)))
    return [CredentialLine(c.number, c.status, str(c.get_status_display()), failing.get(c.pk, [])) for c in credentials]


def _sort_courses(items: list[PathItem], gap_codes: set[str]) -> list[PathItem]:
    return sorted(items, key=lambda i: (i.category not in gap_codes, -i.percent, -i.hours, i.title))


def my_path(user, *, now: dt.datetime | None = None) -> MyPath:
    """The official's path to this year's requirement (and the annual exam), as plain data."""
    now = now or timezone.now()
    today = timeutil.local_date(now)
    year = today.year
    names = category_names()
    balance = year_balance(user, year)
    requirement = requirement_for(user, year)
    annual = _annual_exam(user, year)
    annual_ids = set(annual.family_ids) if annual else set()
    required_courses, other_courses = _course_items(user, year, names)
    exams, exam_rows = _exam_items(user, year, names, annual_ids, now)
    sessions = _session_items(user, year, names, today, now)
    offered = [*required_courses, *other_courses, *exams, *sessions]
    short = shortfalls(requirement, balance.total, balance.by_category)
    short_by_code = {gap.category: gap.missing for gap in short if gap.category is not None}
    gaps = []
    for code in sorted(requirement.minima, key=lambda c: (list(names).index(c) if c in names else 99, c)):
        minimum = requirement.minima[code]
        have = balance.by_category.get(code, ZERO)
        available = sum((i.hours for i in offered if i.category == code), ZERO)
        gaps.append(CategoryGap(code, names.get(code, code), have, minimum, short_by_code.get(code, ZERO), available))
    gap_codes = {g.code for g in gaps if g.missing > 0}
    return MyPath(
        year=year,
        today=today,
        days_left=(dt.date(year, 12, 31) - today).days,
        hours=balance.total,
        required=requirement.required_hours,
        pace=pace(requirement.required_hours, year, today),
        category_gaps=gaps,
        exam=_exam_status(annual, exams, exam_rows, now),
        required_courses=_sort_courses(required_courses, gap_codes),
        other_courses=_sort_courses(other_courses, gap_codes),
        exams=exams,
        sessions=sessions,
        credentials=_credentials(user),
        shortfalls=short,
    )
