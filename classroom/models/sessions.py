"""Classroom sessions (培训班, 法治讲堂, 会前学法) and who attended them.

Attendance is activity, not hours: marking someone present posts the
session's hours to the ledger through ``learning.services.ledger.post_credit``,
and the ``Attendance`` row keeps a pointer to that ledger entry so that a
wrongly marked attendance can be reversed in the ledger when it is removed.

Audience rule (see ``classroom.selectors.sessions``): a person is in a session's
audience when they are named in ``audience_people``, or when the session has a
unit or staff-category rule and they match it — inside one of the
``audience_units`` subtrees (any unit when none is listed) and of one of the
``audience_categories`` (any category when none is listed). A session with no
rule at all has no audience; the forms and services refuse to save one.

The tables keep the names they had when these models lived in ``learning``
(``db_table``); ``classroom/migrations/0001_initial.py`` took them over as they were.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from learning.models import HourCategory, LedgerEntry, SourceKind

__all__ = ["Attendance", "LectureSeries", "TrainingSession"]


class LectureSeries(models.Model):
    """A recurring lecture series such as 法治讲堂·逢九必讲 (held on the 9th, 19th and 29th).

    Scheduling the series for a date range creates one ``TrainingSession`` per
    date; the ``(series, series_date)`` constraint makes scheduling idempotent.
    """

    title = models.CharField(_("系列名称"), max_length=200, unique=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("组织者"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        db_table = "learning_lectureseries"
        verbose_name = _("讲堂系列")
        verbose_name_plural = _("讲堂系列")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class TrainingSession(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("培训班")
        LECTURE = "lecture", _("法治讲堂")
        MEETING = "meeting", _("会前学法")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("未举办")
        HELD = "held", _("已举办")
        CANCELLED = "cancelled", _("已取消")

    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.TRAINING)
    title = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("内容简介"), blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=2)
    hour_category = models.ForeignKey(
        HourCategory,
        verbose_name=_("学时类别"),
        to_field="code",
        db_column="hour_category_code",
        on_delete=models.PROTECT,
        default="legal",
        related_name="+",
    )
    venue = models.CharField(_("地点"), max_length=200, blank=True)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("组织者"),
        on_delete=models.PROTECT,
        related_name="organised_sessions",
    )
    lecturers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("主讲人"), blank=True, related_name="lectured_sessions"
    )
    audience_units = models.ManyToManyField(
        "accounts.OrgUnit",
        verbose_name=_("参训单位"),
        blank=True,
        related_name="audience_of_sessions",
        help_text=_("所选单位及其下属单位的人员。"),
    )
    audience_categories = models.JSONField(
        _("参训人员类别"), default=list, blank=True, help_text=_("为空表示不限人员类别。")
    )
    audience_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("指定参训人员"), blank=True, related_name="audience_of_sessions"
    )
    capacity = models.PositiveIntegerField(_("容纳人数"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=Status.choices, default=Status.SCHEDULED)
    held_at = models.DateTimeField(_("确认举办时间"), null=True, blank=True)
    series = models.ForeignKey(
        LectureSeries,
        verbose_name=_("讲堂系列"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sessions",
    )
    series_date = models.DateField(_("系列日期"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        db_table = "learning_trainingsession"
        verbose_name = _("面授培训")
        verbose_name_plural = _("面授培训")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="session_ends_after_start"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="session_hours_positive"),
            models.UniqueConstraint(
                fields=["series", "series_date"],
                condition=Q(series__isnull=False),
                name="uniq_session_series_date",
            ),
        ]
        indexes = [
            models.Index(fields=["starts_at"], name="session_starts_at"),
            models.Index(fields=["status", "starts_at"], name="session_status_starts"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def source_kind(self) -> str:
        """The ledger source kind an attendance of this session is posted as."""
        return SourceKind.MEETING if self.kind == self.Kind.MEETING else SourceKind.SESSION


class Attendance(models.Model):
    class Method(models.TextChoices):
        QR = "qr", _("扫码签到")
        IMPORT = "import", _("名单导入")
        MANUAL = "manual", _("手工登记")

    session = models.ForeignKey(
        TrainingSession, verbose_name=_("培训"), on_delete=models.PROTECT, related_name="attendances"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="attendances"
    )
    method = models.CharField(_("方式"), max_length=16, choices=Method.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    marked_at = models.DateTimeField(_("签到时间"), default=timezone.now)
    ledger_entry = models.ForeignKey(
        LedgerEntry,
        verbose_name=_("学时记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        db_table = "learning_attendance"
        verbose_name = _("签到记录")
        verbose_name_plural = _("签到记录")
        ordering = ["marked_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "user"], name="uniq_attendance_session_user")]
        indexes = [models.Index(fields=["user", "marked_at"], name="attendance_user_marked")]

    def __str__(self) -> str:
        return f"{self.session_id}/{self.user_id}"
