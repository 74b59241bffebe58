"""The annual review (年审) of enforcement credentials: the rule of a year and each credential's outcome.

The 60-学时 requirement is enforced here: at year-end every valid credential gets
an outcome (passed, or not passed with the reasons in words); a credential that
does not pass moves to "pending review" through
``accounts.services.credentials.change_status``. A later make-up (hours HR
posts into the closed year, or a 补考 pass) re-evaluates the outcome and can
clear it — see ``review.services.review``.

Both models came from the learning app with their tables and rows (``db_table`` keeps
the ``learning_`` names; see ``review/migrations/0001_initial.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

__all__ = ["AnnualReviewOutcome", "AnnualReviewRule"]


class AnnualReviewRule(models.Model):
    """What a year's review checks. A year without a rule uses the defaults (see ``selectors.review``)."""

    year = models.PositiveSmallIntegerField(_("年度"), unique=True)
    requires_hours = models.BooleanField(
        _("要求达到年度学时"),
        default=True,
        help_text=_("按当年的年度学时要求（含各类别最低学时）审核。"),
    )
    annual_exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("年度学法考试"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"makeup_for__isnull": True},
        help_text=_("设置后须通过该考试（或其补考）才能通过年审；留空则不要求考试。"),
    )
    note = models.TextField(_("说明"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        db_table = "learning_annualreviewrule"
        verbose_name = _("年审规则")
        verbose_name_plural = _("年审规则")
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}"


class AnnualReviewOutcome(models.Model):
    """One credential's result for one year, with the figures it was decided on."""

    credential = models.ForeignKey(
        "accounts.Credential", verbose_name=_("执法证"), on_delete=models.PROTECT, related_name="review_outcomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    passed = models.BooleanField(_("通过"))
    reasons = models.JSONField(_("未通过原因"), default=list, blank=True)
    hours = models.DecimalField(_("学时"), max_digits=9, decimal_places=2)
    required_hours = models.DecimalField(_("应修学时"), max_digits=6, decimal_places=2)
    category_hours = models.JSONField(_("分类学时"), default=dict, blank=True)
    exam_required = models.BooleanField(_("要求年度考法"), default=False)
    exam_passed = models.BooleanField(_("年度考法通过"), null=True, blank=True)
    frozen = models.BooleanField(
        _("按关账结果"), default=False, help_text=_("依据年度关账冻结的学时（另加关账后人事补录的学时）。")
    )
    reviewed_at = models.DateTimeField(_("审核时间"), default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cleared_at = models.DateTimeField(_("补正通过时间"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("补正操作人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    clear_reason = models.CharField(_("补正说明"), max_length=500, blank=True)

    class Meta:
        db_table = "learning_annualreviewoutcome"
        verbose_name = _("年审结果")
        verbose_name_plural = _("年审结果")
        ordering = ["-year", "credential"]
        constraints = [
            models.UniqueConstraint(fields=["credential", "year"], name="uniq_review_outcome_credential_year"),
        ]
        indexes = [models.Index(fields=["year", "passed"], name="review_outcome_year_passed")]

    def __str__(self) -> str:
        return f"{self.credential_id}/{self.year}: {'✓' if self.passed else '✗'}"

    @property
    def was_cleared(self) -> bool:
        return self.passed and self.cleared_at is not None
