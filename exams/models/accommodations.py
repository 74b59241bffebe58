"""Accommodations (考试特殊安排): extra time or a separate window for one person or one unit.

A trainer who may edit an exam grants them (``exams.services.accommodations``), with a
reason, and every grant, change and removal is audited. One row is for one exam and either
one person or one unit (standing for its whole subtree, as in every audience). It gives extra
minutes, a separate window (its own ``opens_at``/``closes_at``, which replaces the exam's for
the people it covers), or both.

Which rows apply to a person, and how several combine, is ``exams.selectors.accommodations``:
the person's own row, when there is one, replaces their units'; otherwise of their units' rows
the most extra minutes and the separate window that closes last.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

__all__ = ["ExamAccommodation", "MAX_EXTRA_MINUTES"]

#: A day: more than that is a separate window, not extra time.
MAX_EXTRA_MINUTES = 24 * 60


class ExamAccommodation(models.Model):
    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("考试"), on_delete=models.CASCADE, related_name="accommodations"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="exam_accommodations",
    )
    unit = models.ForeignKey(
        "accounts.OrgUnit",
        verbose_name=_("单位"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("所选单位及其全部下属单位的人员。"),
    )
    extra_minutes = models.PositiveIntegerField(
        _("延长时间（分钟）"),
        default=0,
        validators=[MaxValueValidator(MAX_EXTRA_MINUTES)],
        help_text=_("加在答题时长上；考试截止时间也相应推后这么多分钟。"),
    )
    opens_at = models.DateTimeField(_("单独安排的开考时间"), null=True, blank=True)
    closes_at = models.DateTimeField(
        _("单独安排的截止时间"),
        null=True,
        blank=True,
        help_text=_("填写后，这些人员只能在这段时间内开始作答（代替考试本身的时间）。"),
    )
    reason = models.CharField(_("原因"), max_length=500)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("批准人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("批准时间"))
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)

    class Meta:
        verbose_name = _("考试特殊安排")
        verbose_name_plural = _("考试特殊安排")
        ordering = ["exam", "-granted_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, unit__isnull=True) | Q(user__isnull=True, unit__isnull=False),
                name="accommodation_one_subject",
            ),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False, closes_at__gt=F("opens_at")),
                name="accommodation_window_order",
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__lte=MAX_EXTRA_MINUTES), name="accommodation_extra_minutes_range"
            ),
            models.CheckConstraint(
                condition=Q(extra_minutes__gt=0) | Q(closes_at__isnull=False), name="accommodation_gives_something"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="accommodation_reason_required"),
            models.UniqueConstraint(
                fields=["exam", "user"], condition=Q(user__isnull=False), name="uniq_accommodation_exam_user"
            ),
            models.UniqueConstraint(
                fields=["exam", "unit"], condition=Q(unit__isnull=False), name="uniq_accommodation_exam_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.exam_id}: {self.user_id or ''}{self.unit_id or ''}"

    @property
    def has_window(self) -> bool:
        return self.closes_at is not None
