"""What a learner has done with course content: time studied, check answers, completions.

Study time is only ever advanced by ``learning.services.progress.record_heartbeat``,
which measures it with the server's clock against ``LessonTimer`` — one row per
learner, so only one lesson earns time at a time whatever the number of open tabs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["CourseCompletion", "LessonProgress", "LessonTimer"]


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="lesson_progress"
    )
    lesson = models.ForeignKey(
        "cms.LessonPage", verbose_name=_("课时"), on_delete=models.PROTECT, related_name="progress_records"
    )
    seconds_studied = models.PositiveIntegerField(_("已学习秒数"), default=0)
    check_passed = models.BooleanField(_("随堂检测已通过"), default=False)
    check_attempts = models.PositiveIntegerField(_("随堂检测作答次数"), default=0)
    started_at = models.DateTimeField(_("开始时间"), default=timezone.now)
    completed_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    video_positions = models.JSONField(
        _("视频观看进度"),
        default=dict,
        blank=True,
        help_text=_("课时中每个上传视频已看到的最远位置（秒）及是否看完过，首次观看时据此禁止快进。"),
    )

    class Meta:
        verbose_name = _("课时学习进度")
        verbose_name_plural = _("课时学习进度")
        constraints = [
            models.UniqueConstraint(fields=["user", "lesson"], name="learning_lessonprogress_unique"),
        ]
        indexes = [models.Index(fields=["lesson", "completed_at"], name="learning_lp_lesson_done")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id} · {self.seconds_studied}s"


class LessonTimer(models.Model):
    """The one running study timer of a learner (which lesson, when its last heartbeat counted).

    ``running`` is False while the lesson's page is hidden or closed; time between
    heartbeats is credited only if the timer was running for that lesson.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("学员"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="lesson_timer",
    )
    lesson = models.ForeignKey("cms.LessonPage", verbose_name=_("课时"), on_delete=models.CASCADE, related_name="+")
    last_beat_at = models.DateTimeField(_("上次计时"))
    running = models.BooleanField(_("计时中"), default=False)
    version = models.PositiveBigIntegerField(_("版本"), default=0, help_text=_("每次计时变化加一，用于并发比较。"))

    class Meta:
        verbose_name = _("学习计时器")
        verbose_name_plural = _("学习计时器")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.lesson_id}"


class CourseCompletion(models.Model):
    """A learner finished a course; created once, and the credit posted for it once."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("学员"), on_delete=models.CASCADE, related_name="course_completions"
    )
    course = models.ForeignKey(
        "cms.CoursePage", verbose_name=_("课程"), on_delete=models.PROTECT, related_name="completions"
    )
    completed_at = models.DateTimeField(_("完成时间"), default=timezone.now)
    ledger_entry = models.ForeignKey(
        "learning.LedgerEntry",
        verbose_name=_("学时记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("课程完成记录")
        verbose_name_plural = _("课程完成记录")
        constraints = [
            models.UniqueConstraint(fields=["user", "course"], name="learning_coursecompletion_unique"),
        ]
        indexes = [models.Index(fields=["course", "user"], name="learning_cc_course_user")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.course_id}"
