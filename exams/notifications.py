"""The exams' messages: an exam opens, closes in three days, an attempt is graded; answers wait for a grader.

Registered in ``ExamsConfig.ready``. Opening, closing and grading reminders are scheduled
(``notifications.reminders``); the graded message is sent when an attempt's result is
final (``exams.services.attempts._finish``, after its transaction commits).

Who is told about an exam: the active people it admits (``audience_people``: its own
audience and, for an exam a study plan lists, the plan's people); for a make-up, those
of them who have not passed the original. The closing reminder leaves out whoever
passed, has an answer sheet being graded, or has used every attempt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role
from core import timeutil
from exams.models import AttemptAnswer, Exam, ExamAttempt
from exams.selectors.exams import audience_people, passed_counted_attempts
from exams.selectors.grading import PENDING
from notifications import reminders
from notifications.kinds import EventKind, Group
from notifications.services.events import RECIPIENT_FIELDS, in_site_language, send_event

EXAM_OPEN = "exam_open"
EXAM_CLOSING = "exam_closing"
EXAM_GRADED = "exam_graded"
GRADING_WAITING = "grading_waiting"

#: An exam is announced when it opened within this long (a missed beat still announces it, a month-old exam not).
OPEN_ANNOUNCE_WITHIN = dt.timedelta(days=2)
#: The closing reminder goes out this long before the exam closes.
CLOSING_AHEAD = dt.timedelta(days=3)
Status = ExamAttempt.Status


def _number(value: Decimal | None) -> str:
    if value is None:
        return "0"
    value = Decimal(value).quantize(Decimal("0.01"))
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"


def _local(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _render_graded(ctx: Mapping) -> tuple[str, str]:
    result = _("已通过") if ctx["passed"] else _("未通过")
    return (
        _("考试成绩：%(exam)s（%(result)s）") % {**ctx, "result": result},
        _("您在“%(exam)s”第 %(number)s 次作答得 %(score)s 分（满分 %(max)s 分），%(result)s。")
        % {**ctx, "result": result},
    )


KINDS = (
    EventKind(
        code=EXAM_OPEN,
        name=gettext_lazy("考试开考"),
        audience=gettext_lazy("参考人员，考试开考时"),
        group=Group.EXAMS,
        title=gettext_lazy("考试已开考：%(exam)s"),
        body=gettext_lazy("“%(exam)s”已开考，截止时间 %(closes)s，答题时长 %(minutes)s 分钟，可作答 %(attempts)s 次。"),
        email=True,
        order=10,
    ),
    EventKind(
        code=EXAM_CLOSING,
        name=gettext_lazy("考试即将截止"),
        audience=gettext_lazy("尚未通过且还能作答的参考人员，截止前 3 天"),
        group=Group.EXAMS,
        title=gettext_lazy("考试即将截止：%(exam)s"),
        body=gettext_lazy("“%(exam)s”将于 %(closes)s 截止，您还没有通过，请在截止前完成作答。"),
        email=True,
        sms=True,
        order=20,
    ),
    EventKind(
        code=EXAM_GRADED,
        name=gettext_lazy("考试成绩"),
        audience=gettext_lazy("考生本人，评分完成时"),
        group=Group.EXAMS,
        render=_render_graded,
        email=True,
        order=30,
    ),
    EventKind(
        code=GRADING_WAITING,
        name=gettext_lazy("待阅卷提醒"),
        audience=gettext_lazy("阅卷人，每天早上有简答题等待批改时"),
        group=Group.EXAMS,
        title=gettext_lazy("待阅卷：%(exam)s 有 %(count)s 道简答题"),
        body=gettext_lazy("“%(exam)s”有 %(count)s 道简答题等待您批改，批改完成后考生才能看到成绩。"),
        email=True,
        digest=True,
        roles=frozenset({Role.TRAINER}),
        order=40,
    ),
)


def _exam_context(exam: Exam) -> dict:
    return {
        "exam": exam.title,
        "closes": _local(exam.closes_at),
        "minutes": exam.duration_minutes,
        "attempts": exam.attempts_allowed,
    }


def _admitted(exam: Exam):
    """The active people the exam admits; a make-up's are those who have not passed the original."""
    people = audience_people(exam).filter(is_active=True)
    if exam.makeup_for_id:
        original = exam.makeup_for
        passers = passed_counted_attempts([original.pk])
        people = people.exclude(pk__in=passers.values("user_id"))
    return people.only(*RECIPIENT_FIELDS)


@in_site_language
def announce_open_exams(*, now: dt.datetime) -> dict:
    """Tell each published exam's people that it opened (once per exam and person)."""
    exams = Exam.objects.filter(
        is_published=True, opens_at__lte=now, opens_at__gt=now - OPEN_ANNOUNCE_WITHIN, closes_at__gt=now
    ).select_related("makeup_for")
    told = 0
    for exam in exams:
        sent = send_event(
            EXAM_OPEN,
            _admitted(exam).iterator(chunk_size=2000),
            context=_exam_context(exam),
            url=reverse("exams:exam_detail", args=[exam.pk]),
            dedupe_key=f"exam:{exam.pk}:open",
        )
        told += sent.created
    return {"exams": len(exams), "notified": told}


@in_site_language
def remind_closing_exams(*, now: dt.datetime) -> dict:
    """Three days before an exam closes: those of its people who still have to sit it."""
    exams = Exam.objects.filter(
        is_published=True, opens_at__lte=now, closes_at__gt=now, closes_at__lte=now + CLOSING_AHEAD
    ).select_related("makeup_for")
    told = 0
    for exam in exams:
        passed = passed_counted_attempts([exam.pk]).values("user_id")
        waiting = ExamAttempt.objects.filter(exam=exam, status__in=[Status.SUBMITTED, Status.FINALISED]).values(
            "user_id"
        )
        used_up = (
            ExamAttempt.objects.filter(exam=exam)
            .values("user_id")
            .annotate(n=Count("pk"))
            .filter(n__gte=exam.attempts_allowed)
            .values("user_id")
        )
        people = _admitted(exam).exclude(Q(pk__in=passed) | Q(pk__in=waiting) | Q(pk__in=used_up))
        sent = send_event(
            EXAM_CLOSING,
            people.iterator(chunk_size=2000),
            context=_exam_context(exam),
            url=reverse("exams:exam_detail", args=[exam.pk]),
            dedupe_key=f"exam:{exam.pk}:closing",
        )
        told += sent.created
    return {"exams": len(exams), "notified": told}


@in_site_language
def remind_graders(*, now: dt.datetime) -> dict:
    """Each morning: every grader of an exam with short answers waiting, once a day per exam."""
    day = timeutil.local_date(now)
    counts = dict(
        AttemptAnswer.objects.filter(PENDING)
        .values_list("item__attempt__exam_id")
        .annotate(n=Count("pk"))
        .values_list("item__attempt__exam_id", "n")
    )
    told = 0
    for exam in Exam.objects.filter(pk__in=list(counts)).prefetch_related("graders"):
        graders = [g for g in exam.graders.all() if g.is_active]
        sent = send_event(
            GRADING_WAITING,
            graders,
            context={"exam": exam.title, "count": counts[exam.pk]},
            url=f"{reverse('exams:grading_queue')}?exam={exam.pk}",
            dedupe_key=f"exam:{exam.pk}:grading:{day:%Y%m%d}",
        )
        told += sent.created
    return {"exams": len(counts), "notified": told}


@in_site_language
def announce_graded(attempt_id: int) -> None:
    """The attempt's result is final: tell its learner (once per attempt)."""
    attempt = ExamAttempt.objects.select_related("exam", "user").filter(pk=attempt_id, status=Status.GRADED).first()
    if attempt is None:
        return
    send_event(
        EXAM_GRADED,
        [attempt.user],
        context={
            "exam": attempt.exam.title,
            "number": attempt.number,
            "score": _number(attempt.score),
            "max": _number(attempt.max_score),
            "passed": bool(attempt.passed),
        },
        url=reverse("exams:result", args=[attempt.pk]),
        dedupe_key=f"attempt:{attempt.pk}:graded",
    )


def announce_graded_on_commit(attempt_id: int) -> None:
    transaction.on_commit(lambda: announce_graded(attempt_id), robust=True)


REMINDERS = (
    reminders.Reminder(
        name="exams.open",
        label="考试开考通知",
        run=announce_open_exams,
        kinds=(EXAM_OPEN,),
        schedule={"minute": "*/15"},
        description="每 15 分钟通知刚开考（两天内）的考试的参考人员。",
        order=20,
    ),
    reminders.Reminder(
        name="exams.closing",
        label="考试截止前提醒",
        run=remind_closing_exams,
        kinds=(EXAM_CLOSING,),
        schedule={"minute": "0", "hour": "9"},
        description="每天 9:00 提醒 3 天内截止的考试中尚未通过、还能作答的人员。",
        order=21,
    ),
    reminders.Reminder(
        name="exams.grading",
        label="待阅卷提醒",
        run=remind_graders,
        kinds=(GRADING_WAITING,),
        schedule={"minute": "30", "hour": "8"},
        description="每天 8:30 提醒阅卷人批改等待中的简答题。",
        order=22,
    ),
)
