"""Annual training requirements and credit rules, edited by administrators in the admin.

A year that nobody configured falls back to the defaults in settings
(``DEFAULT_REQUIRED_HOURS``, ``STUDY_MINUTES_PER_HOUR``) — see
``learning.selectors.requirements``.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffCategory

__all__ = ["AnnualRequirement", "CategoryMinimum", "CreditRuleSet"]


class AnnualRequirement(models.Model):
    """How many 学时 a staff category must earn in a calendar year."""

    year = models.PositiveSmallIntegerField(_("年度"))
    staff_category = models.CharField(
        _("人员类别"), max_length=16, choices=StaffCategory.choices, default=StaffCategory.ENFORCEMENT
    )
    required_hours = models.DecimalField(
        _("应修学时"), max_digits=6, decimal_places=2, default=Decimal("60"), validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("年度学时要求")
        verbose_name_plural = _("年度学时要求")
        ordering = ["-year", "staff_category"]
        constraints = [
            models.UniqueConstraint(fields=["year", "staff_category"], name="uniq_requirement_year_staffcat"),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_staff_category_display()} {self.required_hours}"


class CategoryMinimum(models.Model):
    """An optional minimum of one hour category inside an annual requirement."""

    requirement = models.ForeignKey(
        AnnualRequirement, verbose_name=_("年度要求"), on_delete=models.CASCADE, related_name="minima"
    )
    category = models.ForeignKey(
        "learning.HourCategory", verbose_name=_("学时类别"), to_field="code", on_delete=models.PROTECT, related_name="+"
    )
    min_hours = models.DecimalField(_("最低学时"), max_digits=6, decimal_places=2, validators=[MinValueValidator(0)])

    class Meta:
        verbose_name = _("分类最低学时")
        verbose_name_plural = _("分类最低学时")
        constraints = [
            models.UniqueConstraint(fields=["requirement", "category"], name="uniq_minimum_req_cat"),
        ]

    def __str__(self) -> str:
        return f"{self.category_id} ≥ {self.min_hours}"


class CreditRuleSet(models.Model):
    """How activity turns into 学时 in a year (study minutes per hour, exam and lecturer credit)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    minutes_per_hour = models.PositiveSmallIntegerField(
        _("每学时分钟数"), default=45, validators=[MinValueValidator(1)]
    )
    exam_pass_hours = models.DecimalField(
        _("考试合格学时"), max_digits=5, decimal_places=2, default=Decimal("2"), validators=[MinValueValidator(0)]
    )
    lecturer_hours = models.DecimalField(
        _("授课学时"), max_digits=5, decimal_places=2, default=Decimal("4"), validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("学时计算规则")
        verbose_name_plural = _("学时计算规则")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)
