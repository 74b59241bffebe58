"""The hours ledger: every 学时 an official earns is one row, never changed afterwards.

Corrections are new rows (reversals) pointing at the row they cancel, so the
history of a person's hours can always be read back as it happened. Balances
(``PersonYearBalance`` and ``PersonYearCategoryBalance``) are a cache of the
ledger's sums, kept in step inside the posting transaction and rebuildable by
``manage.py rebuild_balances``.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

DEFAULT_CATEGORIES: tuple[tuple[str, str, int], ...] = (
    ("legal", "法律知识", 10),
    ("professional", "业务知识", 20),
    ("other", "其他", 30),
)

__all__ = [
    "DEFAULT_CATEGORIES",
    "HourCategory",
    "LedgerEntry",
    "LedgerImmutable",
    "PersonYearBalance",
    "PersonYearCategoryBalance",
    "SourceKind",
]


class LedgerImmutable(Exception):
    """Raised when code tries to change or remove a ledger row."""


class HourCategory(models.Model):
    """A kind of hours (法律知识, 业务知识, …); administrators may add more."""

    code = models.SlugField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=64)
    order = models.PositiveSmallIntegerField(_("排序"), default=50)

    class Meta:
        verbose_name = _("学时类别")
        verbose_name_plural = _("学时类别")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class SourceKind(models.TextChoices):
    COURSE = "course", _("在线课程")
    EXAM = "exam", _("考试")
    SESSION = "session", _("面授培训")
    LECTURE = "lecture", _("授课")
    MEETING = "meeting", _("会前学法")
    MANUAL = "manual", _("人工调整")


class LedgerQuerySet(models.QuerySet):
    """Querysets over the ledger can read but never write in bulk."""

    def update(self, **kwargs):
        raise LedgerImmutable(_("学时台账只能追加，不能修改。"))

    def delete(self):
        raise LedgerImmutable(_("学时台账只能追加，不能删除。"))

    def bulk_update(self, objs, fields, batch_size=None):
        raise LedgerImmutable(_("学时台账只能追加，不能修改。"))

    def update_or_create(self, defaults=None, create_defaults=None, **kwargs):
        raise LedgerImmutable(_("学时台账只能追加，不能修改。"))


class LedgerManager(models.Manager.from_queryset(LedgerQuerySet)):
    pass


class LedgerEntry(models.Model):
    """One credit (or the reversal of one). Append-only: see ``learning.db`` for the trigger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="ledger_entries"
    )
    hours = models.DecimalField(_("学时"), max_digits=7, decimal_places=2)
    category = models.ForeignKey(
        HourCategory,
        verbose_name=_("类别"),
        to_field="code",
        db_column="category_code",
        on_delete=models.PROTECT,
        related_name="+",
    )
    source_kind = models.CharField(_("来源类型"), max_length=16, choices=SourceKind.choices)
    source_key = models.CharField(_("来源键"), max_length=200, unique=True)
    source_ref = models.CharField(_("来源"), max_length=255)
    source_url = models.CharField(_("来源链接"), max_length=500, blank=True)
    earned_on = models.DateField(_("获得日期"))
    year = models.PositiveSmallIntegerField(_("年度"))
    recorded_at = models.DateTimeField(_("记录时间"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("备注"), blank=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("冲销记录"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )

    objects = LedgerManager()

    class Meta:
        verbose_name = _("学时记录")
        verbose_name_plural = _("学时台账")
        ordering = ["-earned_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True) & Q(hours__gt=0)) | (Q(reverses__isnull=False) & Q(hours__lt=0)),
                name="ledger_hours_sign",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "year"], name="ledger_user_year"),
            models.Index(fields=["year", "source_kind"], name="ledger_year_kind"),
            # What HR posted by hand (adjustments, reversals): few rows, read by the annual review for the
            # hours posted into a closed year after its close (0.7 s per 500 people without it at 52k staff).
            models.Index(
                fields=["year", "recorded_at"], name="ledger_hr_posted", condition=Q(recorded_by__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.earned_on} {self.source_ref} {self.hours}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LedgerImmutable(_("学时台账只能追加，不能修改。"))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LedgerImmutable(_("学时台账只能追加，不能删除。"))

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None


class PersonYearBalance(models.Model):
    """Sum of a person's ledger for a year; the compliance pages read this, not the ledger."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="year_balances"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    total_hours = models.DecimalField(_("总学时"), max_digits=9, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("年度学时余额")
        verbose_name_plural = _("年度学时余额")
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="uniq_balance_user_year")]
        indexes = [models.Index(fields=["year", "total_hours"], name="balance_year_hours")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.year}: {self.total_hours}"


class PersonYearCategoryBalance(models.Model):
    """Per-category part of a year balance (a row per category that has hours)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("人员"),
        on_delete=models.PROTECT,
        related_name="year_category_balances",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    category = models.ForeignKey(
        HourCategory,
        verbose_name=_("类别"),
        to_field="code",
        db_column="category_code",
        on_delete=models.PROTECT,
        related_name="+",
    )
    hours = models.DecimalField(_("学时"), max_digits=9, decimal_places=2, default=Decimal("0"))

    class Meta:
        verbose_name = _("分类学时余额")
        verbose_name_plural = _("分类学时余额")
        constraints = [
            models.UniqueConstraint(fields=["user", "year", "category"], name="uniq_catbalance_user_year_cat")
        ]
        indexes = [models.Index(fields=["year", "category"], name="catbalance_year_cat")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.year}/{self.category_id}: {self.hours}"
