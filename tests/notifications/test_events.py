"""Each event of each app: who gets the message (and its words), and who in another unit does not."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from accounts.models import Role
from certificates.services.certificates import issue_exam_certificate, revoke_certificate
from classroom.models import Attendance, TrainingSession
from classroom.notifications import remind_tomorrow
from classroom.services.sessions import mark_attendance
from core import timeutil
from exams.models import QuestionType
from exams.notifications import announce_open_exams, remind_closing_exams, remind_graders
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from learning.services.ledger import manual_adjustment, reverse_entry
from notifications.models import DeliveryStatus, Notification
from plans.notifications import remind_deadlines
from plans.services.plans import save_plan
from tests.classroom.factories import TrainingSessionFactory
from tests.exams import factories_exams as fe
from tests.factories import UserFactory
from tests.learning.factories import credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_tree):
    """Two officials of 莎车县 (one with a phone and an e-mail address) and one of 疏附县."""
    return {
        "sc": UserFactory(
            org_unit=org_tree["shache_dept"], full_name="莎车甲", email="sc@example.cn", phone="13900000001"
        ),
        "sc2": UserFactory(org_unit=org_tree["shache_dept"], full_name="莎车乙"),
        "sf": UserFactory(org_unit=org_tree["shufu_dept"], full_name="疏附丙", phone="13900000003"),
    }


def _messages(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind))


def _only(user, kind) -> Notification:
    found = _messages(user, kind)
    assert len(found) == 1, f"{user.full_name}: {len(found)} × {kind}"
    return found[0]


# --- learning: the ledger ---------------------------------------------------------------------


def test_a_credit_is_announced_to_its_person_only(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credit(people["sc"], hours="6", ref="《行政许可法》实务解读")
    note = _only(people["sc"], "hours_credited")
    assert note.title == "已记入 6 学时：《行政许可法》实务解读"
    assert "在线课程“《行政许可法》实务解读”记入 6 学时（法律知识" in note.body
    assert note.url.startswith("/learning/hours/?year=")
    assert note.digest and note.email_status == DeliveryStatus.NONE  # routine: in-site, e-mail only if chosen
    assert not Notification.objects.exclude(user=people["sc"]).exists()


def test_hours_added_by_hr_say_who_and_why_and_are_mailed(people, hr_shache, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        manual_adjustment(
            user=people["sc"], hours="35", category="legal", reason="参加自治区司法厅集中培训", recorded_by=hr_shache
        )
    note = _only(people["sc"], "hours_changed")
    assert note.title == "人工调整学时：增加 35 学时"
    assert "王芳 为您记入 35 学时（法律知识" in note.body and "原因：参加自治区司法厅集中培训" in note.body
    assert [m.to for m in mail.outbox] == [["sc@example.cn"]] and "参加自治区司法厅集中培训" in mail.outbox[0].body
    assert not _messages(people["sc"], "hours_credited")  # one message for one posting


def test_a_reversal_names_its_reason(people, hr_shache, django_capture_on_commit_callbacks):
    entry = credit(people["sc2"], hours="4", ref="执法文书规范制作")
    with django_capture_on_commit_callbacks(execute=True):
        reverse_entry(entry=entry, reason="重复录入", recorded_by=hr_shache)
    note = _only(people["sc2"], "hours_changed")
    assert note.title == "学时冲销：冲销：执法文书规范制作（减少 4 学时）"
    assert "原因：重复录入" in note.body
    assert not Notification.objects.filter(user=people["sf"]).exists()


# --- classroom --------------------------------------------------------------------------------


def test_attendance_is_announced_once_with_its_hours(people, org_tree, trainer, django_capture_on_commit_callbacks):
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]], organiser=trainer, title="行政处罚法培训班")
    with django_capture_on_commit_callbacks(execute=True):
        mark_attendance(session=session, user=people["sc"], method=Attendance.Method.MANUAL, marked_by=trainer)
        mark_attendance(session=session, user=people["sc"], method=Attendance.Method.MANUAL, marked_by=trainer)
    note = _only(people["sc"], "attendance")
    assert note.title == "出勤已记录：行政处罚法培训班"
    assert "记入 3 学时" in note.body and "手工登记" in note.body
    assert not _messages(people["sc"], "hours_credited")  # the attendance message already says the hours
    assert not Notification.objects.filter(user__in=[people["sc2"], people["sf"]]).exists()


def test_the_day_before_a_session_its_audience_hears_where_and_when(people, org_tree, trainer, sms_outbox):
    now = timezone.make_aware(dt.datetime(2026, 5, 8, 15, 0), timeutil.LEDGER_TZ)
    start = timezone.make_aware(dt.datetime(2026, 5, 9, 16, 0), timeutil.LEDGER_TZ)
    session = TrainingSessionFactory(
        audience_units=[org_tree["shache"]],
        organiser=trainer,
        title="法治讲堂·逢九必讲",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        venue="地区司法局三楼报告厅",
    )
    TrainingSessionFactory(  # cancelled: nobody is told
        audience_units=[org_tree["shufu"]], organiser=trainer, starts_at=start, status=TrainingSession.Status.CANCELLED
    )
    TrainingSessionFactory(
        audience_units=[org_tree["shufu"]], organiser=trainer, starts_at=start + dt.timedelta(days=2)
    )
    result = remind_tomorrow(now=now)
    assert result == {"sessions": 1, "notified": 2}
    note = _only(people["sc"], "session_tomorrow")
    assert note.title == "明日培训：法治讲堂·逢九必讲"
    assert "2026-05-09 16:00–18:00 在 地区司法局三楼报告厅 举行" in note.body
    assert _only(people["sc2"], "session_tomorrow")
    assert not Notification.objects.filter(user=people["sf"]).exists()
    assert note.sms_status == DeliveryStatus.PENDING  # SMS by default for a date one can miss
    assert remind_tomorrow(now=now) == {"sessions": 1, "notified": 0}  # run twice: told once
    assert session.pk


# --- exams ------------------------------------------------------------------------------------


def _exam(org_tree, **fields):
    exam = fe.exam([fe.question(QuestionType.SINGLE, correct=("B",))], title="行政处罚法考试", **fields)
    exam.audience_units.set([org_tree["shache"]])
    return exam


def _sit(exam, user, key):
    attempt = start_attempt(exam_id=exam.pk, user=user)
    position = attempt.items.get().option_order.index(key)
    save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": 1, "response": position, "seq": 1}])
    return submit_attempt(attempt_id=attempt.pk, user=user)


def test_an_exam_that_opened_is_announced_to_its_audience_only(people, org_tree):
    now = timezone.now()
    exam = _exam(org_tree, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=10))
    _exam(org_tree, opens_at=now - dt.timedelta(days=5), closes_at=now + dt.timedelta(days=10))  # long open
    fe.exam([], title="未发布", is_published=False, opens_at=now - dt.timedelta(hours=1))
    assert announce_open_exams(now=now) == {"exams": 1, "notified": 2}
    note = _only(people["sc"], "exam_open")
    assert note.title == "考试已开考：行政处罚法考试" and note.url == f"/exams/{exam.pk}/"
    assert "可作答 1 次" in note.body
    assert not Notification.objects.filter(user=people["sf"]).exists()
    assert announce_open_exams(now=now)["notified"] == 0


def test_three_days_before_closing_only_those_still_to_pass_are_reminded(people, org_tree):
    now = timezone.now()
    exam = _exam(org_tree, closes_at=now + dt.timedelta(days=2), attempts_allowed=1)
    passer = UserFactory(org_unit=org_tree["shache_dept"], full_name="已通过")
    failed = UserFactory(org_unit=org_tree["shache_dept"], full_name="已用完")
    _sit(exam, passer, "B")
    _sit(exam, failed, "A")
    assert remind_closing_exams(now=now)["notified"] == 2
    assert {n.user.full_name for n in Notification.objects.filter(kind="exam_closing")} == {"莎车甲", "莎车乙"}
    note = _only(people["sc"], "exam_closing")
    assert note.sms_status == DeliveryStatus.PENDING and note.email_status == DeliveryStatus.PENDING
    assert "您还没有通过" in note.body and exam.title in note.title


def test_a_graded_attempt_tells_its_learner_the_score(people, org_tree, django_capture_on_commit_callbacks):
    exam = _exam(org_tree)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = _sit(exam, people["sc"], "B")
    note = _only(people["sc"], "exam_graded")
    assert note.title == "考试成绩：行政处罚法考试（已通过）"
    assert "第 1 次作答得 1 分（满分 1 分），已通过" in note.body
    assert note.url == f"/exams/attempts/{attempt.pk}/result/"
    assert not Notification.objects.filter(user__in=[people["sc2"], people["sf"]], kind="exam_graded").exists()


def test_graders_hear_of_answers_waiting_once_a_day(people, org_tree, trainer):
    other_trainer = UserFactory(org_unit=org_tree["pref"], roles=[Role.TRAINER])
    exam = fe.exam([fe.question(QuestionType.SHORT)], title="简答考试")
    exam.graders.set([trainer])
    attempt = start_attempt(exam_id=exam.pk, user=people["sc"])
    save_answers(attempt_id=attempt.pk, user=people["sc"], answers=[{"item": 1, "response": "应当听证", "seq": 1}])
    submit_attempt(attempt_id=attempt.pk, user=people["sc"])
    now = timezone.now()
    assert remind_graders(now=now) == {"exams": 1, "notified": 1}
    note = _only(trainer, "grading_waiting")
    assert note.title == "待阅卷：简答考试 有 1 道简答题" and note.url == f"/exams/grading/?exam={exam.pk}"
    assert note.digest  # e-mail with the day's digest
    assert not Notification.objects.filter(user=other_trainer).exists()
    assert remind_graders(now=now)["notified"] == 0
    assert remind_graders(now=now + dt.timedelta(days=1))["notified"] == 1


# --- plans ------------------------------------------------------------------------------------


def test_two_weeks_before_a_deadline_the_unfinished_are_reminded(people, org_tree, admin_user):
    exam = fe.exam([fe.question(QuestionType.SINGLE, correct=("B",))], title="清单考试")
    today = timeutil.today()
    save_plan(
        actor=admin_user,
        year=today.year,
        title="年度学法清单",
        due_on=today + dt.timedelta(days=10),
        exams=[exam],
        units=[org_tree["shache"]],
    )
    _sit(exam, people["sc2"], "B")  # finished the plan
    result = remind_deadlines(now=timezone.now())
    assert result == {"plans": 1, "notified": 1}
    note = _only(people["sc"], "plan_deadline")
    assert note.title == "学法清单即将到期：年度学法清单" and "还有 10 天" in note.body
    assert not Notification.objects.filter(user__in=[people["sc2"], people["sf"]], kind="plan_deadline").exists()


# --- certificates -----------------------------------------------------------------------------


def test_a_certificate_issued_and_revoked_tells_its_holder(people, admin_user, django_capture_on_commit_callbacks):
    exam = fe.exam([], title="行政强制法考试")
    with django_capture_on_commit_callbacks(execute=True):
        result = issue_exam_certificate(holder=people["sc"], exam=exam, score=Decimal("90"), passed_on=timeutil.today())
        issue_exam_certificate(holder=people["sc"], exam=exam, score=Decimal("90"), passed_on=timeutil.today())
    issued = _only(people["sc"], "cert_issued")
    assert issued.title == "您获得了考试合格证书：行政强制法考试" and result.certificate.serial in issued.body
    assert issued.digest and issued.email_status == DeliveryStatus.PENDING
    with django_capture_on_commit_callbacks(execute=True):
        revoke_certificate(certificate=result.certificate, by=admin_user, reason="成绩录入错误")
    revoked = _only(people["sc"], "cert_revoked")
    assert "原因：成绩录入错误" in revoked.body
    assert revoked.email_status == DeliveryStatus.SENT and mail.outbox[-1].to == ["sc@example.cn"]
    assert not Notification.objects.exclude(user=people["sc"]).exists()


# --- the course review's kinds (sent by cms.services.course_review) ---------------------------


def test_course_review_kinds_say_who_decided_and_the_comment():
    from cms.notifications import COURSE_REVIEW_CHANGES, COURSE_REVIEW_SUBMITTED
    from notifications.kinds import get

    title, body = get(COURSE_REVIEW_CHANGES).message(
        {"title": "行政处罚法", "reviewer": "张志强", "comment": "第三课引用的条文已修订"}
    )
    assert title == "课程“行政处罚法”需修改" and "张志强 退回了整门课程" in body and "第三课引用的条文已修订" in body
    _title, body = get(COURSE_REVIEW_CHANGES).message({"title": "x", "reviewer": "张志强", "comment": ""})
    assert "请查看各页的审核意见。" in body
    title, body = get(COURSE_REVIEW_SUBMITTED).message(
        {"title": "行政处罚法", "name": "李建华", "count": 3, "note": ""}
    )
    assert title == "课程“行政处罚法”待审核" and "共 3 个页面" in body and "提交说明" not in body


# --- the command ------------------------------------------------------------------------------


def test_send_reminders_runs_the_chosen_reminders_once(people, org_tree, capsys):
    now = timezone.now()
    _exam(org_tree, opens_at=now - dt.timedelta(hours=1), closes_at=now + dt.timedelta(days=2))
    call_command("send_reminders", "--kind", "exam_open")
    assert Notification.objects.filter(kind="exam_open").count() == 2
    assert not Notification.objects.filter(kind="exam_closing").exists()
    call_command("send_reminders")
    call_command("send_reminders")
    assert Notification.objects.filter(kind="exam_closing").count() == 2
    assert Notification.objects.filter(kind="exam_open").count() == 2
    out = capsys.readouterr().out
    assert "考试开考通知" in out and "考试截止前提醒" in out


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "nope"], "没有这种消息类型：nope"),
        (["--kind", "hours_credited"], "没有提醒发送这种消息"),
        (["--reminder", "nope"], "没有这个提醒：nope"),
        (["--at", "2026/01/01"], "格式不对"),
    ],
)
def test_send_reminders_refuses_what_it_does_not_know(db, args, message):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match=message):
        call_command("send_reminders", *args)
