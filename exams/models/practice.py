"""Practice (练习), the mistake book (错题本) and mock exams (模拟考试): study that never counts.

These are separate tables from attempts on purpose: nothing here is an ``ExamAttempt``,
an ``AttemptAnswer`` or a ledger entry, so statistics, the grading queue, at-risk and
compliance reports, credits and certificates cannot count practice by construction.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from exams import qtypes

__all__ = ["Mistake", "MockItem", "MockPaper", "PracticeRecord"]


class PracticeRecord(models.Model):
    """One learner's practice of one question: how often, how often right, and the last outcome."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        "exams.Question", verbose_name=_("题目"), on_delete=models.CASCADE, related_name="practice_records"
    )
    answered_count = models.PositiveIntegerField(_("练习次数"), default=0)
    right_count = models.PositiveIntegerField(_("答对次数"), default=0)
    last_correct = models.BooleanField(_("最近一次答对"), default=False)
    last_answered_at = models.DateTimeField(_("最近练习时间"))

    class Meta:
        verbose_name = _("练习记录")
        verbose_name_plural = _("练习记录")
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="uniq_practice_record")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.question_id}: {self.right_count}/{self.answered_count}"


class Mistake(models.Model):
    """A question in a learner's 错题本; ``resolved_at`` set once redone right (the row and its count stay).

    An exam mistake appears from ``visible_from`` (when the exam's review opens) and, under the
    review policy 显示本人作答及每题得分, with ``key_hidden``: the book then says the answer was
    wrong but never shows the correct one.
    """

    class Source(models.TextChoices):
        PRACTICE = "practice", _("练习")
        EXAM = "exam", _("考试")
        MOCK = "mock", _("模拟考试")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="+"
    )
    question = models.ForeignKey(
        "exams.Question", verbose_name=_("题目"), on_delete=models.CASCADE, related_name="mistakes"
    )
    source = models.CharField(_("最近答错于"), max_length=16, choices=Source.choices)
    times_missed = models.PositiveIntegerField(_("答错次数"), default=1)
    last_missed_at = models.DateTimeField(_("最近答错时间"))
    visible_from = models.DateTimeField(_("显示时间"), null=True, blank=True)
    key_hidden = models.BooleanField(_("不显示正确答案"), default=False)
    resolved_at = models.DateTimeField(_("订正时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("错题")
        verbose_name_plural = _("错题")
        constraints = [models.UniqueConstraint(fields=["user", "question"], name="uniq_mistake")]
        indexes = [models.Index(fields=["user", "resolved_at"], name="mistake_user_open")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.question_id} ×{self.times_missed}"


class MockPaper(models.Model):
    """One mock paper a learner drew for an exam: graded at once, never an attempt."""

    exam = models.ForeignKey("exams.Exam", verbose_name=_("考试"), on_delete=models.CASCADE, related_name="mock_papers")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="+"
    )
    started_at = models.DateTimeField(_("开始时间"))
    submitted_at = models.DateTimeField(_("交卷时间"), null=True, blank=True)
    max_score = models.DecimalField(_("客观题总分"), max_digits=8, decimal_places=2, default=Decimal("0"))
    score = models.DecimalField(_("得分"), max_digits=8, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("模拟试卷")
        verbose_name_plural = _("模拟试卷")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["user", "exam"], name="mockpaper_user_exam")]

    def __str__(self) -> str:
        return f"mock {self.exam_id}/{self.user_id}#{self.pk}"


class MockItem(models.Model):
    """One question of a mock paper, frozen like an attempt's, with the answer and its score."""

    paper = models.ForeignKey(MockPaper, verbose_name=_("模拟试卷"), on_delete=models.CASCADE, related_name="items")
    question_version = models.ForeignKey(
        "exams.QuestionVersion", verbose_name=_("题目版本"), on_delete=models.CASCADE, related_name="+"
    )
    position = models.PositiveSmallIntegerField(_("题号"))
    qtype = models.CharField(_("题型"), max_length=16, choices=qtypes.type_choices)
    option_order = models.JSONField(_("选项顺序"), default=list, blank=True)
    points = models.DecimalField(_("分值"), max_digits=6, decimal_places=2)
    response = models.JSONField(_("作答"), null=True, blank=True)
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("模拟试卷题目")
        verbose_name_plural = _("模拟试卷题目")
        ordering = ["paper", "position"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "position"], name="uniq_mock_position"),
            models.CheckConstraint(condition=Q(points__gte=0), name="mock_points_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.paper_id}#{self.position}"
