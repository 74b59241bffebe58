"""Factories for classroom sessions and attendance."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import factory
from django.utils import timezone
from openpyxl import Workbook

from classroom.models import LectureSeries, TrainingSession
from learning.services.ledger import ensure_default_categories
from tests.factories import UserFactory


class TrainingSessionFactory(factory.django.DjangoModelFactory):
    """A training class running now (started 10 minutes ago, ends in 80 minutes).

    Pass ``audience_units=[unit]``, ``audience_people=[user]`` or
    ``audience_categories=[...]``; ``lecturers=[user]`` likewise.
    """

    class Meta:
        model = TrainingSession
        skip_postgeneration_save = True

    kind = TrainingSession.Kind.TRAINING
    title = factory.Sequence(lambda n: f"行政处罚法专题培训班（第{n}期）")
    starts_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=10))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + dt.timedelta(minutes=90))
    hours = Decimal("3")
    hour_category_id = "legal"
    venue = "地区行政公署三楼会议室"
    organiser = factory.SubFactory(UserFactory)

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        ensure_default_categories()
        return super()._create(model_class, *args, **kwargs)

    @factory.post_generation
    def audience_units(self, create, extracted, **kwargs):
        if create and extracted:
            self.audience_units.set(extracted)

    @factory.post_generation
    def audience_people(self, create, extracted, **kwargs):
        if create and extracted:
            self.audience_people.set(extracted)

    @factory.post_generation
    def lecturers(self, create, extracted, **kwargs):
        if create and extracted:
            self.lecturers.set(extracted)


class LectureSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LectureSeries

    title = factory.Sequence(lambda n: f"法治讲堂·逢九必讲{n}")
    organiser = factory.SubFactory(UserFactory)


def xlsx_file(rows: list[list], headers: list[str] | None = None, name: str = "签到.xlsx") -> io.BytesIO:
    """An in-memory .xlsx with ``headers`` (default 工号/姓名/签到时间) and ``rows``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or ["工号", "姓名", "签到时间"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = name
    return buffer
