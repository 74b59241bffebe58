"""Year-end close: the frozen status of every official for a year.

Later reports and annual certificates read these rows, so a ledger entry that
arrives after the close does not silently change a year that was already
reported.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["YearClose", "YearStatus"]


class YearClose(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    closed_at = models.DateTimeField(_("关账时间"), default=timezone.now)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    headcount = models.PositiveIntegerField(_("人数"), default=0)
    compliant_count = models.PositiveIntegerField(_("达标人数"), default=0)

    class Meta:
        verbose_name = _("年度关账")
        verbose_name_plural = _("年度关账")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)


class YearStatus(models.Model):
    """One official's frozen result for a closed year."""

    close = models.ForeignKey(YearClose, verbose_name=_("关账"), on_delete=models.PROTECT, related_name="statuses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("人员"), on_delete=models.PROTECT, related_name="year_statuses"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    org_unit = models.ForeignKey(
        "accounts.OrgUnit", verbose_name=_("单位"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    hours = models.DecimalField(_("学时"), max_digits=9, decimal_places=2)
    required_hours = models.DecimalField(_("应修学时"), max_digits=6, decimal_places=2)
    by_category = models.JSONField(_("分类学时"), default=dict, blank=True)
    compliant = models.BooleanField(_("达标"))

    class Meta:
        verbose_name = _("年度学时结果")
        verbose_name_plural = _("年度学时结果")
        constraints = [models.UniqueConstraint(fields=["user", "year"], name="uniq_yearstatus_user_year")]
        indexes = [models.Index(fields=["year", "compliant"], name="yearstatus_year_compliant")]

    def __str__(self) -> str:
        return f"{self.user_id}/{self.year}: {self.hours}"
