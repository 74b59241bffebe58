"""Attempts: starting freezes the paper, saves keep the newest answer, the deadline is the server's."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import StaffCategory
from exams.models import AttemptAnswer, AttemptQuestion, Exam, ExamAttempt, PaperRule, QuestionType
from exams.services.attempts import (
    AttemptError,
    DeadlinePassed,
    close_attempt,
    save_answers,
    start_attempt,
    submit_attempt,
)
from learning.models import LedgerEntry
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Passing issues a certificate whose PDF must not land in the real media root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


Status = ExamAttempt.Status


def _save(attempt, user, item, response, seq):
    return save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": item, "seq": seq, "response": response}])


def _post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _expire(attempt, ago=timedelta(seconds=1)):
    """Move the attempt into the past so that its deadline was ``ago`` ago."""
    now = timezone.now()
    ExamAttempt.objects.filter(pk=attempt.pk).update(started_at=now - ago - timedelta(minutes=30), deadline=now - ago)


def _stored(attempt, position):
    return AttemptAnswer.objects.get(item__attempt=attempt, item__position=position)


# --- starting ---------------------------------------------------------------------


def test_start_freezes_paper_in_one_bulk_insert(learner):
    questions = f.mixed_paper()
    exam = f.exam(questions, shuffle_questions=True, shuffle_options=True)
    with CaptureQueriesContext(connection) as ctx:
        attempt = start_attempt(exam_id=exam.pk, user=learner)
    # One statement inserts the whole paper (on PostgreSQL, the start's one statement).
    inserts = [q["sql"] for q in ctx.captured_queries if 'INSERT INTO "exams_attemptquestion"' in q["sql"]]
    assert len(inserts) == 1
    items = list(attempt.items.select_related("question_version"))
    assert sorted(i.question_version_id for i in items) == sorted(q.current_version_id for q in questions)
    for item in items:
        keys = [o["key"] for o in item.question_version.options]
        assert sorted(item.option_order) == sorted(keys)
    assert attempt.max_score == Decimal("4")
    assert AttemptAnswer.objects.filter(item__attempt=attempt, seq=0, response__isnull=True).count() == 4


def test_deadline_is_duration_capped_by_window_close(learner):
    exam = f.exam(f.mixed_paper(), duration_minutes=90, closes_at=timezone.now() + timedelta(minutes=10))
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    assert attempt.deadline == exam.closes_at


def test_starting_again_resumes_the_attempt_in_progress(learner):
    exam = f.exam(f.mixed_paper(), attempts_allowed=3)
    first = start_attempt(exam_id=exam.pk, user=learner)
    again = start_attempt(exam_id=exam.pk, user=learner)
    assert again.pk == first.pk
    assert ExamAttempt.objects.filter(exam=exam, user=learner).count() == 1


def test_database_allows_one_attempt_in_progress_per_learner_and_exam(learner):
    exam = f.exam(f.mixed_paper(), attempts_allowed=3)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        ExamAttempt.objects.create(
            exam=exam, user=learner, number=2, started_at=attempt.started_at, deadline=attempt.deadline
        )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"opens_at_delta": 1}, "考试尚未开始"),
        ({"closes_at_delta": -1}, "考试已经结束"),
        ({"is_published": False}, "没有找到这场考试"),
    ],
)
def test_start_is_refused_outside_the_window(learner, overrides, message):
    now = timezone.now()
    fields = {"is_published": overrides.get("is_published", True)}
    if "opens_at_delta" in overrides:
        fields.update(opens_at=now + timedelta(hours=1), closes_at=now + timedelta(hours=2))
    if "closes_at_delta" in overrides:
        fields.update(opens_at=now - timedelta(hours=2), closes_at=now - timedelta(hours=1))
    exam = f.exam(f.mixed_paper(), **fields)
    with pytest.raises(AttemptError, match=message):
        start_attempt(exam_id=exam.pk, user=learner)
    assert not ExamAttempt.objects.exists()


def test_audience_by_unit_subtree_category_and_name(org_tree):
    inside = UserFactory(org_unit=org_tree["shache_dept"])
    leader = UserFactory(org_unit=org_tree["shache_dept"], staff_category=StaffCategory.LEADER)
    outside = UserFactory(org_unit=org_tree["shufu_dept"])
    named = UserFactory(org_unit=org_tree["shufu_dept"])
    exam = f.exam(f.mixed_paper(), audience_staff_categories=[StaffCategory.ENFORCEMENT])
    exam.audience_units.add(org_tree["shache"])
    exam.audience_users.add(named)
    assert start_attempt(exam_id=exam.pk, user=inside).pk
    assert start_attempt(exam_id=exam.pk, user=named).pk
    for person in (leader, outside):
        with pytest.raises(AttemptError, match="参考范围"):
            start_attempt(exam_id=exam.pk, user=person)

    from exams.selectors.exams import audience_people

    assert set(audience_people(exam)) == {inside, named}


def test_attempts_allowed_are_enforced(learner):
    exam = f.exam(f.mixed_paper(), attempts_allowed=1)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    submit_attempt(attempt_id=attempt.pk, user=learner)
    with pytest.raises(AttemptError, match="作答次数已用完"):
        start_attempt(exam_id=exam.pk, user=learner)


def test_no_new_attempt_after_passing(learner):
    q = f.question(QuestionType.SINGLE, correct=("B",))
    exam = f.exam([q], attempts_allowed=3)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 1, attempt.items.get().option_order.index("B"), 1)
    submit_attempt(attempt_id=attempt.pk, user=learner)
    with pytest.raises(AttemptError, match="已通过"):
        start_attempt(exam_id=exam.pk, user=learner)


def test_makeup_is_open_only_to_those_who_failed_the_original(org_tree):
    q = f.question(QuestionType.SINGLE, correct=("B",))
    original = f.exam([q])
    makeup = f.exam([q], makeup_for=original, title="补考")
    passer, failer, absent = (UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(3))
    for user, key in ((passer, "B"), (failer, "A")):
        attempt = start_attempt(exam_id=original.pk, user=user)
        _save(attempt, user, 1, attempt.items.get().option_order.index(key), 1)
        submit_attempt(attempt_id=attempt.pk, user=user)
    assert start_attempt(exam_id=makeup.pk, user=failer).exam_id == makeup.pk
    for user in (passer, absent):
        with pytest.raises(AttemptError, match="补考只对原考试未通过的人员开放"):
            start_attempt(exam_id=makeup.pk, user=user)


def test_rule_paper_draws_from_category_subtree_with_rule_points(learner):
    law = f.category("法律知识")
    sub = f.category("行政处罚法", parent=law)
    other = f.category("其他")
    in_subtree = [f.question(QuestionType.SINGLE, cat=sub) for _ in range(3)]
    f.question(QuestionType.SINGLE, cat=other)
    f.question(QuestionType.MULTIPLE, cat=sub)
    exam = f.exam(paper_mode=Exam.PaperMode.RULES)
    PaperRule.objects.create(
        exam=exam, category=law, question_type=QuestionType.SINGLE, count=2, points_each=Decimal("2.5")
    )
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    items = list(attempt.items.select_related("question_version"))
    assert len(items) == 2
    assert {i.question_version.question_id for i in items} <= {q.pk for q in in_subtree}
    assert all(i.points == Decimal("2.5") for i in items)
    assert attempt.max_score == Decimal("5")


def test_rule_that_cannot_be_met_names_the_rule(learner):
    cat = f.category("行政许可法")
    f.question(QuestionType.SINGLE, cat=cat)
    exam = f.exam(paper_mode=Exam.PaperMode.RULES)
    PaperRule.objects.create(
        exam=exam, category=cat, question_type=QuestionType.SINGLE, count=5, points_each=Decimal("1")
    )
    with pytest.raises(AttemptError, match="需要 5 道题，题库中只有 1 道"):
        start_attempt(exam_id=exam.pk, user=learner)
    assert not ExamAttempt.objects.exists()


# --- saving -------------------------------------------------------------------------


def test_an_old_seq_never_overwrites_a_newer_answer(learner):
    exam = f.exam([f.question(QuestionType.SINGLE)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    order = attempt.items.get().option_order
    newer = _save(attempt, learner, 1, order.index("C"), 200)
    older = _save(attempt, learner, 1, order.index("A"), 100)
    assert newer.results[0].accepted is True
    assert older.results[0].accepted is False
    answer = _stored(attempt, 1)
    assert (answer.response, answer.seq) == ("C", 200)


def test_saves_store_option_keys_for_display_positions(learner):
    exam = f.exam([f.question(QuestionType.MULTIPLE, correct=("A", "C"))])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.get()
    item.option_order = ["D", "C", "B", "A"]
    item.save()
    _save(attempt, learner, 1, [1, 3], 5)
    assert _stored(attempt, 1).response == ["A", "C"]


@pytest.mark.parametrize(
    ("qtype", "response"),
    [(QuestionType.SINGLE, 7), (QuestionType.SINGLE, [0, 1]), (QuestionType.MULTIPLE, [0, 0]), (QuestionType.FILL, 3)],
)
def test_an_invalid_answer_is_refused_naming_the_question(learner, qtype, response):
    exam = f.exam([f.question(QuestionType.TRUEFALSE), f.question(qtype)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    outcome = save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[{"item": 1, "seq": 3, "response": 0}, {"item": 2, "seq": 3, "response": response}],
    )
    refused = [r for r in outcome.results if not r.accepted]
    assert [(r.position, r.error) for r in refused] == [(2, "第 2 题的作答无效，请刷新页面后重新作答。")]
    assert _stored(attempt, 1).seq == 3  # the good answer of the batch is saved (tests/exams/test_save_batch.py)
    assert _stored(attempt, 2).seq == 0


def test_save_after_deadline_is_refused_and_saved_answers_are_kept(learner, client_for):
    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",)), f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    order = attempt.items.get(position=1).option_order
    _save(attempt, learner, 1, order.index("B"), 10)
    _expire(attempt)

    client = client_for(learner)
    response = _post_json(
        client,
        reverse("exams:save", args=[attempt.pk]),
        {"answers": [{"item": 1, "seq": 11, "response": order.index("A")}, {"item": 2, "seq": 11, "response": "x"}]},
    )
    assert response.status_code == 410
    assert response.json()["error"] == "考试时间已到，答案未保存；已保存的答案将被提交。"
    assert _stored(attempt, 1).response == "B"
    assert _stored(attempt, 2).response is None
    with pytest.raises(DeadlinePassed):
        _save(attempt, learner, 1, order.index("A"), 12)

    closed = close_attempt(attempt_id=attempt.pk, by=ExamAttempt.ClosedBy.DEADLINE)
    assert closed.status == Status.GRADED and closed.finalised_by == ExamAttempt.ClosedBy.DEADLINE
    assert closed.score == Decimal("1")


def test_save_after_submit_is_refused_with_conflict(learner, client_for):
    exam = f.exam([f.question(QuestionType.SINGLE)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    submit_attempt(attempt_id=attempt.pk, user=learner)
    response = _post_json(
        client_for(learner),
        reverse("exams:save", args=[attempt.pk]),
        {"answers": [{"item": 1, "seq": 1, "response": 0}]},
    )
    assert response.status_code == 409
    assert "答卷已经提交" in response.json()["error"]


def test_beacon_form_payload_is_saved(learner, client_for):
    exam = f.exam([f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    client = client_for(learner)
    payload = json.dumps({"answers": [{"item": 1, "seq": 9, "response": "行政 处罚"}]})
    response = client.post(reverse("exams:save", args=[attempt.pk]), {"payload": payload})
    assert response.status_code == 200 and response.json()["saved"][0]["accepted"] is True
    assert _stored(attempt, 1).response == "行政 处罚"


def test_malformed_json_gets_a_clear_message(learner, client_for):
    exam = f.exam([f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    response = client_for(learner).post(
        reverse("exams:save", args=[attempt.pk]), data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "答案格式无效，请刷新页面。"


def test_reload_shows_every_saved_answer(learner, client_for):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 2, [0, 2], 5)
    _save(attempt, learner, 4, "行政处罚", 6)
    client = client_for(learner)
    html = client.get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert 'name="q2" value="0" checked' in html and 'name="q2" value="2" checked' in html
    assert 'value="行政处罚"' in html
    state = client.get(reverse("exams:state", args=[attempt.pk])).json()
    assert state["answers"]["2"] == {"seq": 5, "response": [0, 2], "flagged": False}
    assert state["answers"]["4"] == {"seq": 6, "response": "行政处罚", "flagged": False}
    assert 0 < state["remaining_seconds"] <= 30 * 60


# --- editing a question mid-attempt -------------------------------------------------------


def test_editing_a_question_mid_attempt_does_not_change_the_attempt(learner, client_for):
    from exams.services.questions import save_question

    q = f.question(QuestionType.SINGLE, correct=("B",), stem="<p>原题干</p>")
    exam = f.exam([q])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    version_before = attempt.items.get().question_version_id
    options = [
        dict(o, correct=o["key"] == "A", fraction="1" if o["key"] == "A" else "0") for o in q.current_version.options
    ]
    save_question(question=q, category=q.category, qtype=q.type, stem="<p>新题干</p>", options=options, points="5")
    q.refresh_from_db()
    assert q.current_version_id != version_before  # a new version, because an attempt uses the old one

    item = AttemptQuestion.objects.get(attempt=attempt)
    assert item.question_version_id == version_before and item.points == Decimal("1")
    html = client_for(learner).get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert "原题干" in html and "新题干" not in html
    _save(attempt, learner, 1, item.option_order.index("B"), 1)
    result = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert result.score == Decimal("1") and result.passed  # graded against the version it showed


# --- submitting, finalising, hours ---------------------------------------------------------


def test_submit_grades_objective_answers_and_is_idempotent(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    orders = {i.position: i.option_order for i in attempt.items.all()}
    _save(attempt, learner, 1, orders[1].index("B"), 1)
    _save(attempt, learner, 2, [orders[2].index("A")], 1)  # incomplete: 0 without partial credit
    _save(attempt, learner, 3, orders[3].index("T"), 1)
    _save(attempt, learner, 4, "  行政　处罚 ", 1)
    first = submit_attempt(attempt_id=attempt.pk, user=learner)
    second = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert first.status == Status.GRADED and first.score == Decimal("3") and first.passed
    assert second.score == first.score and second.graded_at == first.graded_at
    assert LedgerEntry.objects.filter(source_key=f"exam:{exam.pk}:{learner.pk}").count() == 1


def test_partial_credit_for_multiple_choice_is_per_exam(learner):
    q = f.question(QuestionType.MULTIPLE, correct=("A", "C"), fractions={"A": "0.5", "C": "0.5", "B": "-1", "D": "-1"})
    scores = {}
    for partial in (True, False):
        exam = f.exam([q], partial_credit=partial, points={q.pk: Decimal("4")})
        attempt = start_attempt(exam_id=exam.pk, user=learner)
        _save(attempt, learner, 1, [attempt.items.get().option_order.index("A")], 1)
        scores[partial] = submit_attempt(attempt_id=attempt.pk, user=learner).score
    assert scores == {True: Decimal("2.00"), False: Decimal("0.00")}


def test_passing_posts_the_exam_hours_once(learner):
    from learning.models import SourceKind

    q = f.question(QuestionType.TRUEFALSE, correct=("T",))
    exam = f.exam([q], credit_hours=Decimal("3"))
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 1, attempt.items.get().option_order.index("T"), 1)
    submit_attempt(attempt_id=attempt.pk, user=learner)
    close_attempt(attempt_id=attempt.pk, by=ExamAttempt.ClosedBy.DEADLINE)
    from exams.services.attempts import credit_pass

    credit_pass(ExamAttempt.objects.select_related("exam", "user").get(pk=attempt.pk))  # a retry
    entries = LedgerEntry.objects.filter(user=learner, source_kind=SourceKind.EXAM)
    assert [(e.source_key, e.hours, e.category_id) for e in entries] == [
        (f"exam:{exam.pk}:{learner.pk}", Decimal("3.00"), "legal")
    ]


def test_passing_issues_one_exam_certificate(learner, django_capture_on_commit_callbacks):
    from certificates.models import Certificate

    exam = f.exam([f.question(QuestionType.TRUEFALSE, correct=("T",))])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 1, attempt.items.get().option_order.index("T"), 1)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt_id=attempt.pk, user=learner)
    with django_capture_on_commit_callbacks(execute=True):
        submit_attempt(attempt_id=attempt.pk, user=learner)
    certificates = Certificate.objects.filter(holder=learner, exam=exam)
    assert [(c.kind, c.details["exam_title"]) for c in certificates] == [("exam", exam.title)]


def test_failing_posts_no_hours_and_default_hours_come_from_credit_rules(org_tree):
    q = f.question(QuestionType.TRUEFALSE, correct=("T",))
    exam = f.exam([q])  # credit_hours blank: credit_rules(year).exam_pass_hours (2 by default)
    passer, failer = UserFactory(org_unit=org_tree["shache_dept"]), UserFactory(org_unit=org_tree["shache_dept"])
    for user, key in ((passer, "T"), (failer, "F")):
        attempt = start_attempt(exam_id=exam.pk, user=user)
        _save(attempt, user, 1, attempt.items.get().option_order.index(key), 1)
        submit_attempt(attempt_id=attempt.pk, user=user)
    assert list(LedgerEntry.objects.values_list("user_id", "hours")) == [(passer.pk, Decimal("2.00"))]


def test_overdue_attempt_is_finalised_by_the_task_with_what_was_saved(learner):
    from exams.tasks import finalise_overdue_attempts

    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",)), f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 1, attempt.items.get(position=1).option_order.index("B"), 3)
    other = start_attempt(exam_id=f.exam([f.question()]).pk, user=learner)  # still within its time
    _expire(attempt, timedelta(minutes=2))

    assert finalise_overdue_attempts.delay().get() == 1
    attempt.refresh_from_db()
    assert attempt.status == Status.GRADED
    assert attempt.finalised_by == ExamAttempt.ClosedBy.DEADLINE
    assert attempt.submitted_at == attempt.deadline
    assert attempt.score == Decimal("1")
    assert ExamAttempt.objects.get(pk=other.pk).status == Status.IN_PROGRESS
    assert finalise_overdue_attempts.delay().get() == 0


def test_deadline_task_is_on_the_beat_schedule():
    from django_celery_beat.models import PeriodicTask

    from exams.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
    ensure_periodic_tasks()
    task = PeriodicTask.objects.get(task="exams.tasks.finalise_overdue_attempts")
    assert task.crontab.minute == "*" and task.enabled


def test_short_answer_waits_for_a_grader(learner):
    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",)), f.question(QuestionType.SHORT)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _save(attempt, learner, 2, "应当告知当事人陈述申辩的权利", 1)
    result = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert result.status == Status.SUBMITTED and result.score is None and result.passed is None


def test_empty_short_answer_scores_zero_without_a_grader(learner):
    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",)), f.question(QuestionType.SHORT)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    result = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert result.status == Status.GRADED and result.score == Decimal("0")


def test_makeup_admits_the_absent_from_the_originals_audience_once_it_has_closed(org_tree):
    from exams.selectors.exams import exams_for_learner

    q = f.question(QuestionType.SINGLE, correct=("B",))
    original = f.exam([q], title="原考试")
    original.audience_units.set([org_tree["shache"]])
    makeup = f.exam([q], makeup_for=original, title="补考", closes_at=timezone.now() + timedelta(days=3))
    absent = UserFactory(org_unit=org_tree["shache_dept"])
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    with pytest.raises(AttemptError, match="补考只对原考试未通过的人员开放"):
        start_attempt(exam_id=makeup.pk, user=absent)  # the original is still open: sit that one
    original.opens_at, original.closes_at = timezone.now() - timedelta(days=2), timezone.now() - timedelta(days=1)
    original.save()
    assert [r.exam.title for r in exams_for_learner(absent) if r.can_start] == ["补考"]
    assert exams_for_learner(outsider) == []
    assert start_attempt(exam_id=makeup.pk, user=absent).exam_id == makeup.pk
    with pytest.raises(AttemptError, match="补考只对原考试未通过的人员开放"):
        start_attempt(exam_id=makeup.pk, user=outsider)
