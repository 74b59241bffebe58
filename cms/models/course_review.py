"""A course reviewed as a whole (整门课程审核): one submission holds the course page and every lesson that changed.

Not the annual review of credentials (the ``review`` app): this is the 法制审核 of course
content before it goes live. A submission pins one revision per page (a snapshot taken
when it is submitted, which nobody edits afterwards), so what the reviewer reads is
what an approval publishes, whatever the trainer saves in the meantime. The rules live
in ``cms.services.course_review`` (writes) and ``cms.selectors.course_review`` (reads).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class CourseSubmission(models.Model):
    """One round of review of one course: submitted once, decided once (approved or sent back)."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        CHANGES_REQUESTED = "changes_requested", _("需修改")
        APPROVED = "approved", _("已通过")
        WITHDRAWN = "withdrawn", _("已撤回")

    course = models.ForeignKey(
        "cms.CoursePage", verbose_name=_("课程"), on_delete=models.CASCADE, related_name="submissions"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.PENDING)
    note = models.TextField(_("提交说明"), blank=True, max_length=2000)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="course_submissions",
    )
    submitted_at = models.DateTimeField(_("提交时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="course_submissions_decided",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    comment = models.TextField(_("总体意见"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("整门课程审核")
        verbose_name_plural = _("整门课程审核")
        ordering = ["-submitted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["course"], condition=Q(status="pending"), name="cms_coursesubmission_one_pending_per_course"
            ),
        ]
        indexes = [models.Index(fields=["status", "submitted_at"], name="cms_coursesub_status_idx")]

    def __str__(self) -> str:
        return f"{self.course.title}（{self.get_status_display()}）"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CourseSubmissionItem(models.Model):
    """A page of a submission: the revision submitted, what was live then, and the reviewer's comment on it."""

    submission = models.ForeignKey(CourseSubmission, on_delete=models.CASCADE, related_name="items")
    page = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("页面"), on_delete=models.CASCADE, related_name="course_submission_items"
    )
    revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("提交的版本"),
        on_delete=models.CASCADE,
        related_name="course_submission_items",
    )
    live_revision = models.ForeignKey(
        "wagtailcore.Revision",
        verbose_name=_("提交时的线上版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_new = models.BooleanField(_("新页面"), default=False, help_text=_("提交时页面尚未发布。"))
    comment = models.TextField(_("审核意见"), blank=True, max_length=4000)

    class Meta:
        verbose_name = _("审核页面")
        verbose_name_plural = _("审核页面")
        constraints = [
            models.UniqueConstraint(fields=["submission", "page"], name="cms_coursesubmissionitem_unique_page"),
        ]

    def __str__(self) -> str:
        return str(self.revision.object_str)
