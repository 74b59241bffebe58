"""Demo classroom sessions and a study plan (called from ``seed_demo``), idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.drilldown import child_units
from accounts.models import StaffCategory, User
from classroom.models import TrainingSession
from classroom.services.sessions import save_session, schedule_lecture_series
from core import timeutil
from plans.models import StudyPlan
from plans.services.plans import save_plan

SERIES_TITLE = "法治讲堂·逢九必讲"
PLAN_TITLE = "年度执法人员学法清单"
CLASS_TITLE = "全地区行政执法人员集中轮训班"


def _aware(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def seed_sessions(*, organiser: User) -> int:
    """Upcoming 法治讲堂 lectures for two months and one training class."""
    prefecture = child_units(None, None)[0]
    today = timeutil.today()
    result = schedule_lecture_series(
        title=SERIES_TITLE,
        first_day=today,
        last_day=today + dt.timedelta(days=60),
        start_time=dt.time(16, 0),
        duration_minutes=120,
        hours=Decimal("2"),
        hour_category="legal",
        venue="地区司法局三楼报告厅",
        lecturers=[organiser],
        audience_units=[prefecture],
        audience_categories=[],
        audience_people=[],
        by=organiser,
    )
    created = len(result.created)
    if not TrainingSession.objects.filter(title=CLASS_TITLE).exists():
        day = today + dt.timedelta(days=10)
        save_session(
            session=None,
            fields={
                "kind": TrainingSession.Kind.TRAINING,
                "title": CLASS_TITLE,
                "description": "行政执法“三项制度”、执法文书规范与典型案例评析。",
                "starts_at": _aware(day, 9),
                "ends_at": _aware(day, 17),
                "hours": Decimal("6"),
                "hour_category_id": "professional",
                "venue": "地区党校报告厅",
                "audience_categories": [StaffCategory.ENFORCEMENT],
            },
            lecturers=[organiser],
            audience_units=[prefecture],
            audience_people=[],
            by=organiser,
        )
        created += 1
    return created


def seed_plan(*, actor: User, courses, exams=()) -> StudyPlan | None:
    year = timeutil.current_year()
    plan = StudyPlan.objects.filter(year=year, title=PLAN_TITLE).first()
    if plan is not None or not courses:
        return plan
    return save_plan(
        actor=actor,
        year=year,
        title=PLAN_TITLE,
        due_on=dt.date(year, 12, 20),
        note="全地区执法人员必学课程和年度学法考试。",
        courses=courses,
        exams=list(exams),
        units=child_units(None, None),
        categories=[StaffCategory.ENFORCEMENT, StaffCategory.LEADER],
    )
