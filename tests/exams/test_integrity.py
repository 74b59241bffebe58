"""Integrity options per exam: leaving the page (logged, and a limit that hands the attempt in with every saved
answer), blocked copying and full screen (logged), one device at a time (a second browser takes over; the first
one's saves are refused with a specific message and nothing saved is lost); trainers see the log beside grades."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from django.urls import reverse

from exams.models import AttemptAnswer, AttemptEvent, Exam, ExamAttempt
from exams.services.attempts import AttemptError, save_answers, start_attempt, submit_attempt
from exams.services.integrity import DEVICE_COOKIE, record_events
from tests.auth import sign_in
from tests.exams.test_exam_admin import ADD_URL, _form, trainer_client  # noqa: F401 (a fixture)

from . import factories_exams as f

pytestmark = pytest.mark.django_db
Kind = AttemptEvent.Kind
LEAVE = {"kind": "left_page", "details": {"via": "hidden"}}


def _post_json(client, url, data):
    return client.post(url, data=json.dumps(data), content_type="application/json")


def _events_url(attempt):
    return reverse("exams:events", args=[attempt.pk])


# --- leaving the page -----------------------------------------------------------------------


def test_leaving_the_page_n_times_submits_the_attempt_with_every_answer_saved_before(learner, client_for):
    exam = f.exam(f.mixed_paper(), count_page_leaves=True, page_leave_limit=3)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    client = client_for(learner)
    save = reverse("exams:save", args=[attempt.pk])
    assert _post_json(client, save, {"answers": [{"item": 1, "seq": 1, "response": 1}]}).status_code == 200

    first = _post_json(client, _events_url(attempt), {"events": [LEAVE]}).json()
    assert first == {"ok": True, "leaves": 1, "limit": 3, "closed": False, "result_url": first["result_url"]}
    _post_json(client, save, {"answers": [{"item": 2, "seq": 1, "response": [0, 2]}]})
    assert _post_json(client, _events_url(attempt), {"events": [LEAVE]}).json()["closed"] is False
    # The third leaving carries the page's unsent answer: saved first, then the attempt is handed in.
    last = _post_json(
        client,
        _events_url(attempt),
        {
            "events": [{"kind": "left_page", "details": {"via": "blur"}}],
            "answers": [{"item": 4, "seq": 3, "response": "行政处罚"}],
        },
    ).json()
    assert last["closed"] is True and last["leaves"] == 3

    attempt.refresh_from_db()
    assert attempt.status == ExamAttempt.Status.GRADED
    assert attempt.finalised_by == ExamAttempt.ClosedBy.INTEGRITY
    assert attempt.score == 3  # 1, 2 and 4 right: every answer saved before the last leaving counted
    responses = dict(AttemptAnswer.objects.filter(item__attempt=attempt).values_list("item__position", "response"))
    assert responses == {1: "B", 2: ["A", "C"], 3: None, 4: "行政处罚"}
    kinds = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", flat=True))
    assert kinds == [Kind.LEFT_PAGE] * 3 + [Kind.LIMIT_SUBMIT]
    # Later events and saves of the page meet a closed attempt.
    after = _post_json(client, _events_url(attempt), {"events": [LEAVE]})
    assert after.status_code == 409 and after.json()["code"] == "closed"


def test_without_a_limit_leaving_is_only_counted(learner):
    exam = f.exam(f.mixed_paper(), count_page_leaves=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    for _ in range(5):
        outcome = record_events(attempt_id=attempt.pk, user=learner, events=[LEAVE], device="")
    assert (outcome.leaves, outcome.limit, outcome.closed) == (5, 0, False)
    attempt.refresh_from_db()
    assert attempt.status == ExamAttempt.Status.IN_PROGRESS


def test_options_the_exam_does_not_use_log_nothing(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    events = [LEAVE, {"kind": "copy_blocked", "details": {"action": "paste"}}, {"kind": "fullscreen_exit"}]
    outcome = record_events(attempt_id=attempt.pk, user=learner, events=events, device="")
    assert not outcome.closed and not AttemptEvent.objects.exists()


def test_copy_and_full_screen_events_are_logged_when_the_exam_uses_them(learner):
    exam = f.exam(f.mixed_paper(), block_copy_paste=True, require_fullscreen=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    record_events(
        attempt_id=attempt.pk,
        user=learner,
        events=[{"kind": "copy_blocked", "details": {"action": "paste"}}, {"kind": "fullscreen_exit"}],
        device="",
    )
    logged = list(AttemptEvent.objects.filter(attempt=attempt).values_list("kind", "details"))
    assert logged == [(Kind.COPY_BLOCKED, {"action": "paste"}), (Kind.FULLSCREEN_EXIT, {})]


@pytest.mark.parametrize(
    "body, message",
    [
        ("{not json", "答案格式无效，请刷新页面。"),
        ("[]", "答案格式无效，请刷新页面。"),
        ('{"events": []}', "没有收到考试纪律记录。"),
        ('{"events": "x"}', "没有收到考试纪律记录。"),
        ('{"events": [{"kind": "limit_submit"}]}', "考试纪律记录格式无效，请刷新页面。"),
        ('{"events": [{"kind": "left_page", "details": {"via": "<script>"}}]}', "考试纪律记录格式无效，请刷新页面。"),
        ('{"events": [{"kind": "left_page", "details": {"x": 1}}]}', "考试纪律记录格式无效，请刷新页面。"),
        ('{"events": [{"kind": "left_page", "details": []}]}', "考试纪律记录格式无效，请刷新页面。"),
        (json.dumps({"events": [LEAVE] * 51}), "一次提交的考试纪律记录过多。"),
        ('{"events": [{"kind": "left_page"}], "answers": "x"}', "没有收到答案。"),
    ],
)
def test_bad_event_requests_are_a_400_with_a_message_and_change_nothing(learner, client_for, body, message):
    exam = f.exam(f.mixed_paper(), count_page_leaves=True, page_leave_limit=1)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    response = client_for(learner).post(_events_url(attempt), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"ok": False, "code": "invalid", "error": message}
    attempt.refresh_from_db()
    assert attempt.status == ExamAttempt.Status.IN_PROGRESS and not AttemptEvent.objects.exists()


def test_another_learners_attempt_is_not_found(learner, client_for, org_tree):
    from tests.factories import UserFactory

    exam = f.exam(f.mixed_paper(), count_page_leaves=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    other = UserFactory(org_unit=org_tree["shache_dept"])
    response = _post_json(client_for(other), _events_url(attempt), {"events": [LEAVE]})
    assert response.status_code == 404 and not AttemptEvent.objects.exists()


# --- one device at a time -------------------------------------------------------------------


def _browser(user) -> Client:
    return sign_in(Client(), user)


def test_a_second_browser_takes_the_attempt_over_and_the_first_stops(learner):
    exam = f.exam(f.mixed_paper(), single_device=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    first, second = _browser(learner), _browser(learner)
    page = reverse("exams:attempt", args=[attempt.pk])
    save = reverse("exams:save", args=[attempt.pk])

    assert first.get(page).status_code == 200 and DEVICE_COOKIE in first.cookies
    assert _post_json(first, save, {"answers": [{"item": 1, "seq": 1, "response": 1}]}).json()["saved"][0]["accepted"]
    first.get(page)  # a reload of the same browser keeps it
    assert not AttemptEvent.objects.exists()

    second.get(page, HTTP_USER_AGENT="Phone browser")
    assert second.cookies[DEVICE_COOKIE].value != first.cookies[DEVICE_COOKIE].value
    takeover = AttemptEvent.objects.get(attempt=attempt)
    assert takeover.kind == Kind.DEVICE_TAKEOVER and takeover.details == {"user_agent": "Phone browser"}

    refused = _post_json(first, save, {"answers": [{"item": 1, "seq": 2, "response": 0}]})
    assert refused.status_code == 409 and refused.json()["code"] == "taken_over"
    assert "另一台设备" in refused.json()["error"]
    assert first.get(reverse("exams:state", args=[attempt.pk])).json()["taken_over"] is True
    assert _post_json(first, reverse("exams:submit", args=[attempt.pk]), {}).status_code == 409
    # Nothing saved is lost, and the new device goes on.
    answer = AttemptAnswer.objects.get(item__attempt=attempt, item__position=1)
    assert (answer.response, answer.seq) == ("B", 1)
    assert _post_json(second, save, {"answers": [{"item": 2, "seq": 1, "response": [0]}]}).json()["saved"][0][
        "accepted"
    ]
    assert second.get(reverse("exams:state", args=[attempt.pk])).json()["taken_over"] is False
    assert _post_json(second, reverse("exams:submit", args=[attempt.pk]), {}).json()["status"] == "graded"


def test_a_save_without_the_device_cookie_is_refused_once_a_device_holds_the_attempt(learner):
    exam = f.exam(f.mixed_paper(), single_device=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    _browser(learner).get(reverse("exams:attempt", args=[attempt.pk]))
    with pytest.raises(AttemptError) as refused:
        save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": 1}], device="")
    assert refused.value.status == 409


def test_without_the_option_any_browser_may_save(learner):
    exam = f.exam(f.mixed_paper())
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    first, second = _browser(learner), _browser(learner)
    first.get(reverse("exams:attempt", args=[attempt.pk]))
    second.get(reverse("exams:attempt", args=[attempt.pk]))
    assert DEVICE_COOKIE not in first.cookies
    saved = _post_json(
        first, reverse("exams:save", args=[attempt.pk]), {"answers": [{"item": 1, "seq": 1, "response": 1}]}
    )
    assert saved.json()["saved"][0]["accepted"]
    assert not AttemptEvent.objects.exists()
    assert submit_attempt(attempt_id=attempt.pk, user=learner, device="whatever").status == "graded"


# --- the trainer's side ---------------------------------------------------------------------


def test_the_admin_form_offers_the_options_off_by_default(trainer_client):  # noqa: F811
    _user, client = trainer_client
    html = client.get(ADD_URL).content.decode()
    assert "考试纪律" in html
    for name in ("count_page_leaves", "require_fullscreen", "block_copy_paste", "single_device"):
        assert f'name="{name}"' in html and f'name="{name}" id="id_{name}" checked' not in html, name
    response = client.post(ADD_URL, _form())
    assert response.status_code == 302
    exam = Exam.objects.get()
    assert (exam.count_page_leaves, exam.page_leave_limit, exam.require_fullscreen) == (False, 0, False)
    assert (exam.block_copy_paste, exam.single_device) == (False, False)


def test_the_trainer_sets_the_options_and_a_limit_needs_counting(trainer_client):  # noqa: F811
    _user, client = trainer_client
    refused = client.post(ADD_URL, _form(page_leave_limit="3"))
    assert refused.status_code == 200 and "须同时勾选“记录离开答题页面”" in refused.content.decode()
    assert not Exam.objects.exists()
    options = {"count_page_leaves": "on", "page_leave_limit": "3", "block_copy_paste": "on", "single_device": "on"}
    assert client.post(ADD_URL, _form(**options)).status_code == 302
    exam = Exam.objects.get()
    assert (exam.count_page_leaves, exam.page_leave_limit, exam.block_copy_paste, exam.single_device) == (
        True,
        3,
        True,
        True,
    )


def test_statistics_show_the_log_beside_the_grade(learner, trainer, client_for, django_assert_max_num_queries):
    exam = f.exam(f.mixed_paper(), count_page_leaves=True, page_leave_limit=2, block_copy_paste=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    record_events(
        attempt_id=attempt.pk, user=learner, events=[{"kind": "copy_blocked", "details": {"action": "copy"}}], device=""
    )
    record_events(attempt_id=attempt.pk, user=learner, events=[LEAVE, LEAVE], device="")
    client = client_for(trainer)
    url = reverse("exams:stats_exam", args=[exam.pk])
    client.get(url)
    with django_assert_max_num_queries(40):
        html = client.get(url).content.decode()
    assert 'data-testid="integrity"' in html
    assert "离开答题页面 × 2" in html and "复制、粘贴或右键被阻止 × 1" in html
    assert "离开次数达到上限，自动交卷 × 1" in html
    assert f"答卷 #{attempt.pk}" in html
    assert "离开页面次数达到上限，自动交卷" in html  # how it was handed in
    assert learner.full_name not in html  # trainers see the sheet number, as in grading


def test_the_grading_queue_shows_each_sheets_log(learner, org_tree, client_for, django_assert_max_num_queries):
    from accounts.models import Role
    from exams.models import QuestionType
    from tests.conftest import enable_totp
    from tests.factories import UserFactory

    grader = UserFactory(full_name="阅卷老师", org_unit=org_tree["pref"], roles=[Role.TRAINER])
    enable_totp(grader)
    exam = f.exam([f.question(QuestionType.SHORT, points="4")], count_page_leaves=True)
    exam.graders.add(grader)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": "应当听取陈述申辩"}])
    record_events(attempt_id=attempt.pk, user=learner, events=[LEAVE], device="")
    submit_attempt(attempt_id=attempt.pk, user=learner)
    client = client_for(grader)
    client.get(reverse("exams:grading_queue"))
    with django_assert_max_num_queries(20):
        html = client.get(reverse("exams:grading_queue")).content.decode()
    assert "应当听取陈述申辩" in html and "离开答题页面 × 1" in html
    assert learner.full_name not in html  # still blind
