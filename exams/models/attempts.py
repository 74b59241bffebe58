"""Attempts: a learner's frozen paper, their answers, and the result.

The paper of an attempt is frozen at start (``AttemptQuestion`` rows, written in
one ``bulk_create``): the question *version*, the option order shown, and the
points. Nothing a trainer edits later changes an attempt in flight or already
graded.

``AttemptAnswer`` has one row per frozen question from the start (so saving is a
single conditional ``UPDATE``). Each save carries the page's increasing sequence
number for that question; the server keeps the highest, so a late retry never
overwrites a newer answer.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exams import qtypes

__all__ = ["AttemptAnswer", "AttemptEvent", "AttemptQuestion", "ExamAttempt"]


class ExamAttempt(models.Model):
    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("作答中")
        SUBMITTED = "submitted", _("已交卷，待阅卷")
        FINALISED = "finalised", _("已到时收卷，待阅卷")
        GRADED = "graded", _("已评分")

    class ClosedBy(models.TextChoices):
        LEARNER = "learner", _("学员交卷")
        DEADLINE = "deadline", _("到时自动收卷")
        INTEGRITY = "integrity", _("离开页面次数达到上限，自动交卷")

    CLOSED_STATUSES = (Status.SUBMITTED, Status.FINALISED, Status.GRADED)

    exam = models.ForeignKey("exams.Exam", verbose_name=_("考试"), on_delete=models.PROTECT, related_name="attempts")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("考生"), on_delete=models.PROTECT, related_name="exam_attempts"
    )
    number = models.PositiveSmallIntegerField(_("第几次作答"))
    started_at = models.DateTimeField(_("开始时间"))
    deadline = models.DateTimeField(_("截止时间"), help_text=_("以服务器时间为准。"))
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    finalised_by = models.CharField(_("收卷方式"), max_length=16, choices=ClosedBy.choices, blank=True)
    graded_at = models.DateTimeField(_("评分完成时间"), null=True, blank=True)
    max_score = models.DecimalField(_("试卷总分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(_("是否及格"), null=True, blank=True)
    # The person's result at this exam: the one graded attempt that counts (highest score or the last one,
    # per ``Exam.counted_attempt``), kept by ``exams.services.counted`` so that "who passed" is an index scan.
    is_counted = models.BooleanField(_("计入成绩"), default=False, editable=False)
    device_token = models.CharField(
        _("作答设备"),
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_("“同一时间只允许一台设备作答”时，最后打开答卷的设备（浏览器标识的摘要）。"),
    )

    class Meta:
        verbose_name = _("答卷")
        verbose_name_plural = _("答卷")
        ordering = ["-started_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["exam", "user", "number"], name="uniq_attempt_number"),
            models.UniqueConstraint(
                fields=["exam", "user"],
                condition=Q(status="in_progress"),
                name="one_open_attempt_per_user_exam",
            ),
            # At most one result per person and exam.
            models.UniqueConstraint(
                fields=["exam", "user"], condition=Q(is_counted=True), name="one_counted_attempt_per_user_exam"
            ),
            models.CheckConstraint(
                condition=Q(is_counted=False) | Q(status="graded"), name="counted_attempt_is_graded"
            ),
            models.CheckConstraint(
                condition=Q(deadline__gt=models.F("started_at")), name="attempt_deadline_after_start"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "deadline"], name="attempt_status_deadline"),
            models.Index(fields=["exam", "status"], name="attempt_exam_status"),
            models.Index(fields=["user", "exam"], name="attempt_user_exam"),
            # Who passed an exam (the review's at-risk page, reminders): read from this index alone.
            models.Index(
                fields=["exam", "user"], condition=Q(is_counted=True, passed=True), name="attempt_passed_result"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}/{self.user_id}#{self.number}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.IN_PROGRESS

    @property
    def is_final(self) -> bool:
        return self.status == self.Status.GRADED


class AttemptQuestion(models.Model):
    """One frozen question of an attempt's paper."""

    attempt = models.ForeignKey(ExamAttempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="items")
    question_version = models.ForeignKey(
        "exams.QuestionVersion", verbose_name=_("题目版本"), on_delete=models.PROTECT, related_name="attempt_items"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    qtype = models.CharField(_("题型"), max_length=16, choices=qtypes.type_choices)
    option_order = models.JSONField(_("选项顺序"), default=list, blank=True, help_text=_("按显示顺序排列的选项键。"))
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("答卷题目")
        verbose_name_plural = _("答卷题目")
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="uniq_attempt_position"),
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id}#{self.position}"


class AttemptAnswer(models.Model):
    """The learner's answer to one frozen question, and its grade.

    ``response`` holds original option keys (``{"choices": ["B"]}``) or text
    (``{"text": "…"}``); ``None`` means not answered. ``seq`` is the client's
    sequence number of the save that wrote it (0 = never saved).
    """

    item = models.OneToOneField(
        AttemptQuestion, verbose_name=_("答卷题目"), on_delete=models.CASCADE, primary_key=True, related_name="answer"
    )
    response = models.JSONField(_("作答"), null=True, blank=True)
    seq = models.BigIntegerField(_("保存序号"), default=0)
    flagged = models.BooleanField(_("标记待复查"), default=False, db_default=False)
    saved_at = models.DateTimeField(_("保存时间"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("阅卷人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    graded_at = models.DateTimeField(_("阅卷时间"), null=True, blank=True)
    feedback = models.TextField(_("评语"), blank=True)

    class Meta:
        verbose_name = _("作答")
        verbose_name_plural = _("作答")
        constraints = [models.CheckConstraint(condition=Q(seq__gte=0), name="answer_seq_nonneg")]

    def __str__(self) -> str:
        return f"answer {self.item_id}"


class AttemptEvent(models.Model):
    """Something the integrity options watch for, logged per attempt (shown to trainers beside the grade)."""

    class Kind(models.TextChoices):
        LEFT_PAGE = "left_page", _("离开答题页面")
        FULLSCREEN_EXIT = "fullscreen_exit", _("退出全屏")
        COPY_BLOCKED = "copy_blocked", _("复制、粘贴或右键被阻止")
        DEVICE_TAKEOVER = "device_takeover", _("在另一台设备上打开")
        LIMIT_SUBMIT = "limit_submit", _("离开次数达到上限，自动交卷")

    #: What the page may report; the others only the server writes.
    CLIENT_KINDS = (Kind.LEFT_PAGE, Kind.FULLSCREEN_EXIT, Kind.COPY_BLOCKED)

    attempt = models.ForeignKey(ExamAttempt, verbose_name=_("答卷"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("事件"), max_length=24, choices=Kind.choices)
    at = models.DateTimeField(_("时间"), help_text=_("以服务器收到的时间为准。"))
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        verbose_name = _("考试纪律记录")
        verbose_name_plural = _("考试纪律记录")
        ordering = ["attempt", "at", "pk"]
        indexes = [models.Index(fields=["attempt", "kind"], name="attempt_event_kind")]

    def __str__(self) -> str:
        return f"{self.attempt_id}: {self.kind}"
