"""Study plans: who they are for, each official's progress, and completion for HR.

Who a plan is for is the audience rule of ``accounts.audience`` over the plan's
``target_units``, ``target_categories``, ``target_positions`` and ``target_people``
(``AUDIENCE``), applied in two directions: ``plan_people`` turns a plan into a queryset of
people (for HR reports, always narrowed by ``accounts.scope.filter_people``), ``plans_for``
finds the plans of one person. Both run a fixed number of queries whatever the number of
people, plans or courses. A plan that lists an exam admits its people to the exam
(``plan_exam_ids`` and ``plan_people_for_exam``, registered with ``exams.audience`` by
``PlansConfig.ready``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audience import AudienceFields
from accounts.models import User
from accounts.scope import filter_people
from core import timeutil
from learning.models import CourseCompletion
from learning.selectors.progress import CourseProgress, course_progress
from plans.models import StudyPlan, StudyPlanItem

if TYPE_CHECKING:
    import datetime as dt

UNFINISHED_LIMIT = 200
AUDIENCE = AudienceFields(
    StudyPlan,
    units="target_units",
    categories="target_categories",
    people="target_people",
    positions="target_positions",
)


# --- Who a plan is for ---------------------------------------------------------------------


def plan_people(plan: StudyPlan) -> QuerySet[User]:
    """Active people the plan is for (everyone in scope; narrow it with ``filter_people``)."""
    return User.objects.filter(AUDIENCE.of(plan).q())


def plans_for(user: User, year: int | None = None) -> list[StudyPlan]:
    """The year's plans that ``user`` must follow (with items and their courses loaded)."""
    if not user.is_authenticated:
        return []
    year = year or timeutil.current_year()
    plans = AUDIENCE.with_flags(StudyPlan.objects.filter(year=year), user).prefetch_related(
        Prefetch("items", queryset=StudyPlanItem.objects.select_related("course", "exam").order_by("position", "pk"))
    )
    return [plan for plan in plans.order_by("due_on", "pk") if AUDIENCE.admits(plan, user)]


def plan_exam_ids(user: User) -> set[int]:
    """Exams that some study plan (of any year) assigns to ``user``; two queries whatever the number of plans.

    An exam in a plan admits everyone the plan is for (see ``exams.selectors.exams.in_audience``).
    """
    if not user.is_authenticated:
        return set()
    plans = AUDIENCE.with_flags(StudyPlan.objects.filter(items__kind=StudyPlanItem.Kind.EXAM).distinct(), user)
    mine = [plan.pk for plan in plans if AUDIENCE.admits(plan, user)]
    if not mine:
        return set()
    return set(
        StudyPlanItem.objects.filter(plan_id__in=mine, kind=StudyPlanItem.Kind.EXAM).values_list("exam_id", flat=True)
    )


def plan_people_for_exam(exam_id: int) -> Q | None:
    """The people of every plan that lists ``exam_id``, as a ``Q`` over ``User`` (two queries; ``None``: no plan)."""
    plans = StudyPlan.objects.filter(items__exam_id=exam_id).distinct().prefetch_related("target_units")
    found = [AUDIENCE.of(plan).q() for plan in plans]
    return reduce(or_, found) if found else None


def required_course_ids(user: User, year: int | None = None) -> set[int]:
    """Courses some plan of the year requires of ``user`` (for the catalogue's "required" filter and the path)."""
    return {item.course_id for plan in plans_for(user, year) for item in plan.items.all() if item.course_id}


def exam_reference(model, pks) -> str:
    """Why an exam plans list cannot be deleted (``exams.selectors.deletion``, registered in ``ready``)."""
    titles = model.objects.filter(pk__in=pks).order_by("plan__title").values_list("plan__title", flat=True).distinct()
    return _("被学法清单%(titles)s引用") % {"titles": "、".join(f"“{title}”" for title in titles)}


def course_records(course_ids, lesson_ids) -> bool:
    """Whether a plan lists one of these courses (then deleting them is refused; ``cms.extensions``)."""
    return StudyPlanItem.objects.filter(course_id__in=course_ids).exists()


# --- An official's own progress -------------------------------------------------------------


@dataclass(frozen=True)
class ItemProgress:
    item: StudyPlanItem
    title: str
    url: str
    available: bool
    done: bool
    percent: int
    detail: CourseProgress | None = None


@dataclass
class PlanProgress:
    plan: StudyPlan
    items: list[ItemProgress] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.done)

    @property
    def percent(self) -> int:
        return int(sum(i.percent for i in self.items) / len(self.items)) if self.items else 0

    @property
    def complete(self) -> bool:
        return bool(self.items) and self.done == self.total

    def overdue(self, today: dt.date) -> bool:
        return not self.complete and self.plan.due_on < today


def _course_items(user: User, items: list[StudyPlanItem]) -> dict[int, ItemProgress]:
    from cms.selectors.courses import courses_for

    courses = [i.course for i in items]
    progress = course_progress(user, courses)
    open_ids = set(courses_for(user).filter(pk__in=[c.pk for c in courses]).values_list("pk", flat=True))
    result = {}
    for item in items:
        course = item.course
        p = progress[course.pk]
        available = course.pk in open_ids
        result[item.pk] = ItemProgress(
            item=item,
            title=course.title,
            url=course.url if available else "",
            available=available,
            done=p.done,
            percent=p.percent,
            detail=p,
        )
    return result


def _exam_items(user: User, items: list[StudyPlanItem]) -> dict[int, ItemProgress]:
    """An exam item is done when the learner passed the exam or one of its make-ups (two queries).

    Its link leads to the exam while it can be sat or has been sat, and to an open
    make-up when the learner failed the original.
    """
    from exams.models import Exam, ExamAttempt
    from exams.selectors.exams import summarise

    now = timezone.now()
    originals = {item.exam_id: item.exam for item in items}
    makeups = list(Exam.objects.filter(makeup_for_id__in=list(originals), is_published=True).order_by("opens_at"))
    exams = {**originals, **{m.pk: m for m in makeups}}
    attempts: dict[int, list] = {}
    for attempt in ExamAttempt.objects.filter(user=user, exam_id__in=list(exams)):
        attempts.setdefault(attempt.exam_id, []).append(attempt)
    summaries = {pk: summarise(exams[pk], found) for pk, found in attempts.items()}
    result = {}
    for item in items:
        exam = item.exam
        own = summaries.get(exam.pk)
        family = [exam, *(m for m in makeups if m.makeup_for_id == exam.pk)]
        done = any(summaries[e.pk].passed for e in family if e.pk in summaries)
        target = exam
        if own is not None and own.failed:
            target = next((m for m in family[1:] if m.opens_at <= now < m.closes_at), exam)
        open_now = target.is_published and now < target.closes_at
        sat = target.pk in summaries
        result[item.pk] = ItemProgress(
            item=item,
            title=exam.title,
            url=reverse("exams:exam_detail", args=[target.pk]) if open_now or sat else "",
            available=open_now or sat,
            done=done,
            percent=100 if done else 0,
        )
    return result


#: How to measure each kind of item in bulk: ``(user, items) -> {item.pk: ItemProgress}``.
ITEM_PROGRESS: dict[str, Callable[[User, list[StudyPlanItem]], dict[int, ItemProgress]]] = {
    StudyPlanItem.Kind.COURSE: _course_items,
    StudyPlanItem.Kind.EXAM: _exam_items,
}


def my_plans(user: User, year: int | None = None) -> list[PlanProgress]:
    plans = plans_for(user, year)
    by_kind: dict[str, list[StudyPlanItem]] = {}
    for plan in plans:
        for item in plan.items.all():
            by_kind.setdefault(item.kind, []).append(item)
    measured: dict[int, ItemProgress] = {}
    for kind, items in by_kind.items():
        measured.update(ITEM_PROGRESS[kind](user, items))
    return [PlanProgress(plan=plan, items=[measured[i.pk] for i in plan.items.all()]) for plan in plans]


# --- HR: completion within the viewer's scope -----------------------------------------------


@dataclass(frozen=True)
class UnitRow:
    unit_id: int | None
    unit_name: str
    unit_path: str
    total: int
    finished: int

    @property
    def percent(self) -> int:
        return int(100 * self.finished / self.total) if self.total else 0


@dataclass
class PlanReport:
    plan: StudyPlan
    item_count: int
    units: list[UnitRow]
    unfinished: list[User]
    unfinished_count: int

    @property
    def total(self) -> int:
        return sum(r.total for r in self.units)

    @property
    def finished(self) -> int:
        return sum(r.finished for r in self.units)

    @property
    def percent(self) -> int:
        return int(100 * self.finished / self.total) if self.total else 0


def _done_count(plan: StudyPlan):
    """Per person: how many of the plan's items they have finished (correlated counts).

    A course item is finished by completing the course, an exam item by a passed
    (graded) attempt at the exam or at one of its make-ups.
    """
    from exams.models import ExamAttempt

    course_ids = [i.course_id for i in plan.items.all() if i.course_id]
    courses = (
        CourseCompletion.objects.filter(user_id=OuterRef("pk"), course_id__in=course_ids)
        .order_by()
        .values("user_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    passed = ExamAttempt.objects.filter(
        Q(exam_id=OuterRef("exam_id")) | Q(exam__makeup_for_id=OuterRef("exam_id")),
        user_id=OuterRef(OuterRef("pk")),
        status=ExamAttempt.Status.GRADED,
        passed=True,
    )
    exams = (
        StudyPlanItem.objects.filter(plan_id=plan.pk, kind=StudyPlanItem.Kind.EXAM)
        .filter(Exists(passed))
        .order_by()
        .values("plan_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    zero = Value(0)
    return Coalesce(Subquery(courses, output_field=IntegerField()), zero) + Coalesce(
        Subquery(exams, output_field=IntegerField()), zero
    )


def plan_report(viewer: User, plan: StudyPlan) -> PlanReport:
    """Completion of ``plan`` among the people ``viewer`` may see: per unit, and who is not done."""
    needed = sum(1 for i in plan.items.all() if i.course_id or i.exam_id)
    people = filter_people(viewer, plan_people(plan)).annotate(done=_done_count(plan))
    per_unit = (
        people.order_by()
        .values("org_unit_id", "org_unit__name", "org_unit__full_path")
        .annotate(total=Count("pk"), finished=Count("pk", filter=Q(done__gte=needed)))
        .order_by("org_unit__full_path")
    )
    units = [
        UnitRow(
            row["org_unit_id"],
            row["org_unit__name"] or "—",
            row["org_unit__full_path"] or "",
            row["total"],
            row["finished"] if needed else 0,
        )
        for row in per_unit
    ]
    behind = people.filter(done__lt=needed) if needed else people
    unfinished = list(behind.select_related("org_unit").order_by("org_unit__full_path", "full_name")[:UNFINISHED_LIMIT])
    return PlanReport(
        plan=plan,
        item_count=needed,
        units=units,
        unfinished=unfinished,
        unfinished_count=sum(r.total - r.finished for r in units) if needed else sum(r.total for r in units),
    )


def people_not_done(plan: StudyPlan) -> QuerySet[User]:
    """Active people the plan is for who have not finished every item (the deadline reminder's list)."""
    needed = sum(1 for i in plan.items.all() if i.course_id or i.exam_id)
    people = plan_people(plan).filter(is_active=True)
    if not needed:
        return people.none()
    return people.annotate(done=_done_count(plan)).filter(done__lt=needed)


def plans_overview(year: int) -> QuerySet[StudyPlan]:
    """The year's plans for the HR/admin list (one query)."""
    return (
        StudyPlan.objects.filter(year=year)
        .select_related("created_by")
        .annotate(item_count=Count("items", distinct=True))
        .order_by("due_on", "pk")
    )
