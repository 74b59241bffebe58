"""Accommodations (考试特殊安排): extra time and separate windows, honoured by the server's deadline.

Granted by whoever may edit the exam, audited; a person's own beats their units'; a unit's covers
its subunits; the start stays the same few statements.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from exams.models import Exam, ExamAccommodation, ExamAttempt
from exams.selectors.accommodations import arrangement_of
from exams.selectors.exams import exams_for_learner, review_rights
from exams.services.accommodations import (
    AccommodationError,
    change_accommodation,
    grant_accommodation,
    revoke_accommodation,
)
from exams.services.attempts import AttemptError, DeadlinePassed, save_answers, start_attempt, submit_attempt
from tests.factories import UserFactory

from . import factories_exams as f
from .test_start_cost import START_QUERIES

pytestmark = pytest.mark.django_db


def _grant(exam, trainer, **values):
    values.setdefault("reason", "视力障碍，需要更长答题时间")
    return grant_accommodation(exam=exam, actor=trainer, **values)


def _shift(attempt, minutes: int) -> None:
    """Move an attempt ``minutes`` into the past (its start and deadline alike)."""
    delta = timedelta(minutes=minutes)
    ExamAttempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - delta, deadline=attempt.deadline - delta
    )


def _save(attempt, user, seq=1):
    return save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": 1, "seq": seq, "response": 1}])


# --- the deadline ---------------------------------------------------------------------------------


def test_extra_fifteen_minutes_saves_after_the_others_deadline_and_the_others_are_refused(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    exam.audience_units.add(org_tree["pref"])
    slow = UserFactory(org_unit=org_tree["shache_dept"])
    others = [UserFactory(org_unit=org_tree["shache_dept"]), UserFactory(org_unit=org_tree["shufu_dept"])]
    _grant(exam, trainer, user=slow, extra_minutes=15)

    attempts = {person: start_attempt(exam_id=exam.pk, user=person) for person in [slow, *others]}
    assert attempts[slow].deadline - attempts[slow].started_at == timedelta(minutes=45)
    assert all(attempts[p].deadline - attempts[p].started_at == timedelta(minutes=30) for p in others)
    for attempt in attempts.values():
        _shift(attempt, 40)  # 40 minutes into a 30-minute exam

    outcome = _save(attempts[slow], slow)
    assert [r.accepted for r in outcome.results] == [True]
    assert 0 < outcome.remaining_seconds() <= 5 * 60
    for person in others:
        with pytest.raises(DeadlinePassed):
            _save(attempts[person], person)


def test_extra_time_granted_during_the_exam_extends_the_attempts_in_progress_and_never_shortens_one(org_tree, trainer):
    """A computer failed 20 minutes in: 15 more minutes, granted while the person sits, reach their attempt (and a
    unit's grant the attempts of its subunits' people); a smaller change later takes nothing back."""
    exam = f.exam(f.mixed_paper())
    stuck = UserFactory(org_unit=org_tree["shache_dept"])
    county = [UserFactory(org_unit=org_tree["shache_dept"]), UserFactory(org_unit=org_tree["shache"])]
    elsewhere = UserFactory(org_unit=org_tree["shufu_dept"])
    attempts = {p: start_attempt(exam_id=exam.pk, user=p) for p in [stuck, *county, elsewhere]}
    for attempt in attempts.values():
        _shift(attempt, 20)
    before = {p: ExamAttempt.objects.get(pk=a.pk).deadline for p, a in attempts.items()}

    own = _grant(exam, trainer, user=stuck, extra_minutes=15)
    assert ExamAttempt.objects.get(pk=attempts[stuck].pk).deadline == before[stuck] + timedelta(minutes=15)
    _shift(ExamAttempt.objects.get(pk=attempts[stuck].pk), 15)  # 35 minutes in: past the others' deadline
    assert [r.accepted for r in _save(attempts[stuck], stuck).results] == [True]

    _grant(exam, trainer, unit=org_tree["shache"], extra_minutes=10)
    assert [ExamAttempt.objects.get(pk=attempts[p].pk).deadline for p in county] == [
        before[p] + timedelta(minutes=10) for p in county
    ]
    assert ExamAttempt.objects.get(pk=attempts[elsewhere].pk).deadline == before[elsewhere]

    extended = ExamAttempt.objects.get(pk=attempts[stuck].pk).deadline
    change_accommodation(accommodation=own, actor=trainer, user=stuck, extra_minutes=5, reason="改为 5 分钟")
    assert ExamAttempt.objects.get(pk=attempts[stuck].pk).deadline == extended  # nobody sitting loses time
    grant = AuditLog.objects.filter(action="exams.accommodation_grant").order_by("pk")
    assert [row.details["extended_attempts"] for row in grant] == [1, 2]


def test_extra_time_runs_past_the_exams_close_for_that_person_only(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper(), closes_at=now + timedelta(minutes=10))
    slow, other = UserFactory(org_unit=org_tree["shache_dept"]), UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=slow, extra_minutes=15)
    assert start_attempt(exam_id=exam.pk, user=other).deadline == exam.closes_at
    assert start_attempt(exam_id=exam.pk, user=slow).deadline == exam.closes_at + timedelta(minutes=15)


def test_the_json_save_of_the_accommodated_person_is_accepted_after_the_others_deadline(org_tree, trainer, client_for):
    exam = f.exam(f.mixed_paper())
    slow = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=slow, extra_minutes=15)
    attempt = start_attempt(exam_id=exam.pk, user=slow)
    _shift(attempt, 35)
    client = client_for(slow)
    response = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data={"answers": [{"item": 1, "seq": 1, "response": 1}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["saved"] == [{"item": 1, "seq": 1, "accepted": True}]


# --- a separate window ----------------------------------------------------------------------------


def test_a_separate_window_lets_its_person_start_after_the_exam_closed_and_nobody_else(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper(), opens_at=now - timedelta(days=3), closes_at=now - timedelta(days=2))
    ill, other = UserFactory(org_unit=org_tree["shache_dept"]), UserFactory(org_unit=org_tree["shache_dept"])
    window_closes = now + timedelta(minutes=20)
    _grant(exam, trainer, user=ill, opens_at=now - timedelta(minutes=5), closes_at=window_closes, reason="病假补考")

    attempt = start_attempt(exam_id=exam.pk, user=ill)
    assert attempt.deadline == window_closes  # 30 minutes cut at the window's close
    with pytest.raises(AttemptError, match="考试已经结束"):
        start_attempt(exam_id=exam.pk, user=other)


def test_a_separate_window_replaces_the_exams_window_for_its_person(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper())  # open now
    later = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=later, opens_at=now + timedelta(days=1), closes_at=now + timedelta(days=1, hours=2))
    with pytest.raises(AttemptError, match="考试尚未开始") as refused:
        start_attempt(exam_id=exam.pk, user=later)
    assert refused.value.status == 403
    row = next(r for r in exams_for_learner(later) if r.exam.pk == exam.pk)
    assert (row.state, row.can_start) == ("upcoming", False)


def test_my_exams_lists_an_exam_closed_long_ago_while_its_separate_window_is_open(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper(), opens_at=now - timedelta(days=91), closes_at=now - timedelta(days=90))
    ill = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=ill, opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=1))
    rows = {r.exam.pk: r for r in exams_for_learner(ill)}
    assert rows[exam.pk].state == "open" and rows[exam.pk].can_start
    assert exam.pk not in {r.exam.pk for r in exams_for_learner(UserFactory(org_unit=org_tree["shache_dept"]))}


# --- units, and several at once ----------------------------------------------------------------


def test_a_units_accommodation_covers_the_people_of_its_subunits_only(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    _grant(exam, trainer, unit=org_tree["shache"], extra_minutes=20, reason="偏远乡镇网络较差")
    inside = UserFactory(org_unit=org_tree["shache_dept"])  # 莎车县 → its 市场监督管理局
    outside = UserFactory(org_unit=org_tree["shufu_dept"])
    unitless = UserFactory(org_unit=None)
    assert arrangement_of(exam, inside).extra_minutes == 20
    assert not arrangement_of(exam, outside)
    assert not arrangement_of(exam, unitless)
    attempt = start_attempt(exam_id=exam.pk, user=inside)
    assert attempt.deadline - attempt.started_at == timedelta(minutes=50)


def test_the_persons_own_beats_the_units_and_of_units_the_most_generous_applies(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper())
    person = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, unit=org_tree["pref"], extra_minutes=10)
    _grant(exam, trainer, unit=org_tree["shache"], extra_minutes=25)
    early = (now + timedelta(hours=1), now + timedelta(hours=2))
    _grant(exam, trainer, unit=org_tree["shache_dept"], opens_at=early[0], closes_at=early[1])
    got = arrangement_of(exam, person)
    assert (got.extra_minutes, got.opens_at, got.closes_at) == (25, early[0], early[1])

    own = _grant(exam, trainer, user=person, extra_minutes=5)
    got = arrangement_of(exam, person)
    assert (got.extra_minutes, got.closes_at) == (5, None)  # the person's own replaces every unit's
    assert arrangement_of(exam, UserFactory(org_unit=org_tree["shache_dept"])).extra_minutes == 25
    revoke_accommodation(accommodation=own, actor=trainer)
    assert arrangement_of(exam, person).extra_minutes == 25


def test_of_several_unit_windows_the_one_closing_last_applies(org_tree, trainer):
    now = timezone.now()
    exam = f.exam(f.mixed_paper())
    person = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(
        exam,
        trainer,
        unit=org_tree["shache_dept"],
        opens_at=now + timedelta(hours=1),
        closes_at=now + timedelta(hours=2),
    )
    _grant(exam, trainer, unit=org_tree["pref"], opens_at=now + timedelta(hours=3), closes_at=now + timedelta(hours=5))
    assert arrangement_of(exam, person).closes_at == now + timedelta(hours=5)


# --- the start's cost -----------------------------------------------------------------------------


def test_an_accommodation_costs_the_start_no_query(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    exam.audience_units.add(org_tree["pref"])
    plain = UserFactory(org_unit=org_tree["shache_dept"])
    slow = UserFactory(org_unit=org_tree["shufu_dept"])
    _grant(exam, trainer, unit=org_tree["shufu"], extra_minutes=15)
    _grant(exam, trainer, user=slow, extra_minutes=30)
    counts = []
    for person in (plain, slow):
        person.refresh_from_db()
        with CaptureQueriesContext(connection) as queries:
            start_attempt(exam_id=exam.pk, user=person)
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1]
    if connection.vendor == "postgresql":
        assert counts == [START_QUERIES, START_QUERIES]  # the paper drawn and frozen in one statement, as before
    assert ExamAttempt.objects.get(user=slow).deadline - ExamAttempt.objects.get(user=slow).started_at == timedelta(
        minutes=60
    )


# --- granting: permission, input, audit ---------------------------------------------------------


def test_every_grant_change_and_removal_is_audited(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    person = UserFactory(full_name="买买提·艾力", org_unit=org_tree["shache_dept"])
    row = _grant(exam, trainer, user=person, extra_minutes=15)
    change_accommodation(accommodation=row, actor=trainer, user=person, extra_minutes=20, reason="医生证明：需延长")
    revoke_accommodation(accommodation=row, actor=trainer)
    logs = list(AuditLog.objects.filter(action__startswith="exams.accommodation_").order_by("pk"))
    assert [log.action for log in logs] == [
        "exams.accommodation_grant",
        "exams.accommodation_change",
        "exams.accommodation_revoke",
    ]
    assert all(log.actor == trainer and log.details["exam"] == exam.pk for log in logs)
    assert "买买提·艾力" in logs[0].summary and "延长 15 分钟" in logs[0].summary
    assert logs[1].details["before"]["extra_minutes"] == 15 and logs[1].details["extra_minutes"] == 20
    assert logs[1].details["reason"] == "医生证明：需延长"
    assert not ExamAccommodation.objects.exists()


def test_only_who_may_edit_the_exam_may_grant(org_tree, trainer, hr_shache, reviewer, admin_user):
    exam = f.exam(f.mixed_paper())
    person = UserFactory(org_unit=org_tree["shache_dept"])
    for outsider in (hr_shache, reviewer, person):
        with pytest.raises(AccommodationError) as refused:
            _grant(exam, outsider, user=person, extra_minutes=15)
        assert refused.value.status == 403
    row = _grant(exam, admin_user, user=person, extra_minutes=15)
    with pytest.raises(AccommodationError):
        revoke_accommodation(accommodation=row, actor=hr_shache)
    assert ExamAccommodation.objects.count() == 1
    assert not AuditLog.objects.filter(action="exams.accommodation_revoke").exists()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"extra_minutes": 15, "reason": "  "}, "请填写原因"),
        ({"extra_minutes": -5}, "延长时间不能是负数"),
        ({"extra_minutes": 0}, "请填写延长时间，或单独安排考试时间"),
        ({"extra_minutes": 24 * 60 + 1}, "延长时间最多"),
        ({"opens_at": "later", "closes_at": "earlier"}, "截止时间须晚于开考时间"),
        ({"closes_at": "later"}, "须同时填写开考时间和截止时间"),
    ],
)
def test_the_service_refuses_bad_input_in_chinese(org_tree, trainer, values, message):
    now = timezone.now()
    times = {"later": now + timedelta(hours=2), "earlier": now + timedelta(hours=1)}
    values = {k: times.get(v, v) if isinstance(v, str) and k != "reason" else v for k, v in values.items()}
    exam = f.exam(f.mixed_paper())
    with pytest.raises(AccommodationError, match=message):
        _grant(exam, trainer, user=UserFactory(org_unit=org_tree["shache_dept"]), **values)
    assert not ExamAccommodation.objects.exists() and not AuditLog.objects.exists()


def test_a_second_accommodation_for_the_same_person_is_refused(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    person = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=person, extra_minutes=15)
    with pytest.raises(AccommodationError, match="已有特殊安排"):
        _grant(exam, trainer, user=person, extra_minutes=30)
    assert ExamAccommodation.objects.get().extra_minutes == 15
    assert AuditLog.objects.filter(action="exams.accommodation_grant").count() == 1


def test_one_persons_accommodation_is_not_anothers(org_tree, trainer):
    exam = f.exam(f.mixed_paper())
    person = UserFactory(org_unit=org_tree["shache_dept"])
    _grant(exam, trainer, user=person, extra_minutes=15)
    assert arrangement_of(exam, person).extra_minutes == 15
    assert not arrangement_of(exam, UserFactory(org_unit=org_tree["shache_dept"]))


def test_the_answer_key_waits_for_whoever_sits_later(org_tree, trainer):
    """Review opens by default at the exam's close: with a later sitting granted, at that sitting's end."""
    now = timezone.now()
    exam = f.exam(f.mixed_paper(), review_policy=Exam.ReviewPolicy.FULL)
    done = UserFactory(org_unit=org_tree["shache_dept"])
    attempt = submit_attempt(attempt_id=start_attempt(exam_id=exam.pk, user=done).pk, user=done)
    Exam.objects.filter(pk=exam.pk).update(closes_at=now - timedelta(minutes=1))
    attempt.exam.refresh_from_db()
    assert review_rights(attempt).key

    ill = UserFactory(org_unit=org_tree["shufu_dept"])
    closes = now + timedelta(days=1)
    _grant(exam, trainer, user=ill, opens_at=now, closes_at=closes, extra_minutes=10, reason="病假补考")
    rights = review_rights(attempt)
    assert (rights.key, rights.available_from) == (False, closes + timedelta(minutes=10))
