"""法治讲堂·逢九必讲: scheduling a series on the 9th, 19th and 29th, idempotently."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from classroom.models import TrainingSession
from classroom.services.sessions import SessionError, schedule_lecture_series, series_dates

pytestmark = pytest.mark.django_db


def test_series_dates_are_the_9th_19th_and_29th_and_skip_a_missing_29th():
    dates = series_dates(dt.date(2025, 1, 10), dt.date(2025, 3, 9))
    assert dates == [
        dt.date(2025, 1, 19),
        dt.date(2025, 1, 29),
        dt.date(2025, 2, 9),
        dt.date(2025, 2, 19),
        dt.date(2025, 3, 9),
    ]
    assert dt.date(2024, 2, 29) in series_dates(dt.date(2024, 2, 1), dt.date(2024, 2, 29))


def _schedule(org_tree, trainer, first, last, **extra):
    args = {
        "title": "法治讲堂·逢九必讲",
        "first_day": first,
        "last_day": last,
        "start_time": dt.time(10, 0),
        "duration_minutes": 90,
        "hours": Decimal("2"),
        "hour_category": "legal",
        "venue": "行署三楼报告厅",
        "lecturers": [],
        "audience_units": [org_tree["pref"]],
        "audience_categories": [],
        "audience_people": [],
        "by": trainer,
    }
    args.update(extra)
    return schedule_lecture_series(**args)


def test_scheduling_twice_creates_each_date_once(org_tree, trainer):
    first = _schedule(org_tree, trainer, dt.date(2025, 4, 1), dt.date(2025, 5, 31))
    assert [s.series_date for s in first.created] == [
        dt.date(2025, 4, 9),
        dt.date(2025, 4, 19),
        dt.date(2025, 4, 29),
        dt.date(2025, 5, 9),
        dt.date(2025, 5, 19),
        dt.date(2025, 5, 29),
    ]
    overlapping = _schedule(org_tree, trainer, dt.date(2025, 5, 1), dt.date(2025, 6, 30))
    assert [s.series_date for s in overlapping.created] == [
        dt.date(2025, 6, 9),
        dt.date(2025, 6, 19),
        dt.date(2025, 6, 29),
    ]
    assert overlapping.existing == [dt.date(2025, 5, 9), dt.date(2025, 5, 19), dt.date(2025, 5, 29)]
    assert TrainingSession.objects.filter(kind=TrainingSession.Kind.LECTURE).count() == 9


def test_series_sessions_start_at_the_local_time_with_the_audience(org_tree, trainer):
    result = _schedule(org_tree, trainer, dt.date(2025, 4, 9), dt.date(2025, 4, 9))
    (session,) = result.created
    assert session.starts_at == dt.datetime(2025, 4, 9, 2, 0, tzinfo=dt.UTC)  # 10:00 Asia/Shanghai
    assert session.ends_at - session.starts_at == dt.timedelta(minutes=90)
    assert list(session.audience_units.all()) == [org_tree["pref"]]


def test_a_series_needs_an_audience_and_a_sane_range(org_tree, trainer):
    with pytest.raises(SessionError, match="参训范围"):
        _schedule(org_tree, trainer, dt.date(2025, 4, 1), dt.date(2025, 4, 30), audience_units=[])
    with pytest.raises(SessionError, match="最多安排一年"):
        _schedule(org_tree, trainer, dt.date(2025, 1, 1), dt.date(2026, 6, 30))
    assert not TrainingSession.objects.exists()


def test_series_form_creates_the_sessions(org_tree, trainer, client_for):
    data = {
        "title": "法治讲堂·逢九必讲",
        "first_day": "2025-07-01",
        "last_day": "2025-07-31",
        "start_time": "10:00",
        "duration_minutes": "90",
        "hours": "2",
        "hour_category": "legal",
        "venue": "",
        "lecturers": "",
        "audience_categories": ["enforcement"],
        "audience_people": "",
    }
    client = client_for(trainer)
    response = client.post(reverse("classroom:series_schedule"), data)
    assert response.status_code == 200
    assert "已新建 3 场讲堂" in response.content.decode()
    again = client.post(reverse("classroom:series_schedule"), data).content.decode()
    assert "已新建 0 场讲堂" in again and "此前已安排" in again
    assert TrainingSession.objects.count() == 3


def test_a_learner_cannot_schedule_a_series(learner, client_for):
    response = client_for(learner).post(reverse("classroom:series_schedule"), {"title": "x"})
    assert response.status_code == 403
