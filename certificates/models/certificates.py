"""Certificates: what an official shows to prove a year's training, a passed exam or a finished course.

A certificate row is written once, in a short transaction, and its PDF is
rendered afterwards (in Celery). The database, not the code, guarantees that a
holder has at most one certificate per year / exam / course, so concurrent or
repeated issuing can never produce a second one. What the PDF prints is frozen
in ``details`` at issue time: a later change of name, unit or ledger does not
silently change a certificate that was already handed out.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting

from certificates.validators import validate_seal_image
from jobs.storage import private_storage

__all__ = [
    "Certificate",
    "CertificateKind",
    "CertificateSequence",
    "CertificateSettings",
]


class CertificateKind(models.TextChoices):
    ANNUAL = "annual", _("年度培训合格证明")
    EXAM = "exam", _("考试合格证书")
    COURSE = "course", _("课程结业证书")


# The letters in the serial number: KS-2026-TR-000123.
SERIAL_CODES = {CertificateKind.ANNUAL: "TR", CertificateKind.EXAM: "EX", CertificateKind.COURSE: "CO"}


def certificate_upload_to(instance: Certificate, filename: str) -> str:
    return f"certificates/{instance.year}/{instance.kind}/{instance.serial}.pdf"


def bulk_zip_upload_to(instance, filename: str) -> str:
    """Named by learning's migration 0001 (the bulk-issue job, since moved to ``jobs.Job``), which must still import it."""
    return f"certificates/bulk/{instance.year}/job-{instance.pk}.zip"


def seal_upload_to(instance: CertificateSettings, filename: str) -> str:
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "png"
    return f"certificates/seal/seal.{suffix}"


class Certificate(models.Model):
    kind = models.CharField(_("类型"), max_length=16, choices=CertificateKind.choices)
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("持有人"), on_delete=models.PROTECT, related_name="certificates"
    )
    # The training year for annual certificates; the year of issue for the others
    # (it numbers the serial).
    year = models.PositiveSmallIntegerField(_("年度"))
    exam = models.ForeignKey(
        "exams.Exam", verbose_name=_("考试"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    course = models.ForeignKey(
        "wagtailcore.Page", verbose_name=_("课程"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    serial = models.CharField(_("证书编号"), max_length=32, unique=True)
    verification_code = models.CharField(_("验证码"), max_length=32, unique=True)
    details = models.JSONField(_("证书内容"), default=dict, blank=True)
    issued_at = models.DateTimeField(_("颁发时间"), default=timezone.now)
    pdf = models.FileField(
        _("PDF 文件"), storage=private_storage, upload_to=certificate_upload_to, blank=True, max_length=200
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤销人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revoke_reason = models.TextField(_("撤销原因"), blank=True)

    class Meta:
        verbose_name = _("证书")
        verbose_name_plural = _("证书")
        db_table = "learning_certificate"
        ordering = ["-issued_at", "-id"]
        constraints = [
            # One valid certificate per holder and year / exam / course; revoked ones stay on record beside a re-issue.
            models.UniqueConstraint(
                fields=["holder", "year"],
                condition=Q(kind="annual", revoked_at__isnull=True),
                name="uniq_certificate_annual",
            ),
            models.UniqueConstraint(
                fields=["holder", "exam"],
                condition=Q(kind="exam", revoked_at__isnull=True),
                name="uniq_certificate_exam",
            ),
            models.UniqueConstraint(
                fields=["holder", "course"],
                condition=Q(kind="course", revoked_at__isnull=True),
                name="uniq_certificate_course",
            ),
            models.CheckConstraint(
                condition=(Q(kind="annual") & Q(exam__isnull=True) & Q(course__isnull=True))
                | (Q(kind="exam") & Q(exam__isnull=False) & Q(course__isnull=True))
                | (Q(kind="course") & Q(course__isnull=False) & Q(exam__isnull=True)),
                name="certificate_kind_source",
            ),
        ]
        indexes = [
            models.Index(fields=["kind", "year"], name="certificate_kind_year"),
        ]

    def __str__(self) -> str:
        return f"{self.serial} {self.details.get('name', '')}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def title(self) -> str:
        """What the certificate is about: the year, the exam or the course."""
        if self.kind == CertificateKind.ANNUAL:
            return _("%(year)s 年度") % {"year": self.year}
        if self.kind == CertificateKind.EXAM:
            return self.details.get("exam_title", "")
        return self.details.get("course_title", "")

    def get_verify_path(self) -> str:
        from django.urls import reverse

        return reverse("verify:detail", args=[self.verification_code])


class CertificateSequence(models.Model):
    """The last serial number handed out per kind and year.

    Incremented with an atomic ``UPDATE … SET last_value = last_value + 1`` inside
    the issuing transaction: the row lock orders concurrent issuers, and a
    rolled-back issue gives its number back.
    """

    kind = models.CharField(_("类型"), max_length=16, choices=CertificateKind.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    last_value = models.PositiveIntegerField(_("当前序号"), default=0)

    class Meta:
        verbose_name = _("证书编号序列")
        verbose_name_plural = _("证书编号序列")
        db_table = "learning_certificatesequence"
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="uniq_certificate_sequence")]

    def __str__(self) -> str:
        return f"{self.kind}/{self.year}: {self.last_value}"


@register_setting(icon="doc-full")
class CertificateSettings(BaseGenericSetting):
    """What every certificate prints about its issuer; edited by administrators."""

    authority_name = models.CharField(_("颁发机构"), max_length=100, default="喀什地区全面依法治地委员会办公室")
    signatory = models.CharField(
        _("落款文字"),
        max_length=200,
        blank=True,
        default="（盖章）",
        help_text=_("印章旁的落款，例如“（盖章）”或负责人姓名。"),
    )
    seal = models.ImageField(
        _("印章/标志图片"),
        storage=private_storage,
        upload_to=seal_upload_to,
        blank=True,
        validators=[validate_seal_image],
        help_text=_("PNG 或 JPEG，不超过 1 MB、2000×2000 像素；建议透明背景的红色印章。"),
    )

    panels = [FieldPanel("authority_name"), FieldPanel("signatory"), FieldPanel("seal")]

    class Meta:
        verbose_name = _("证书设置")
        verbose_name_plural = _("证书设置")
        db_table = "learning_certificatesettings"
