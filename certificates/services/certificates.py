"""Issuing, rendering, revoking and bulk-issuing certificates.

Issuing is idempotent and safe under concurrency because the database allows
one certificate per holder and year / exam / course (partial unique
constraints): the loser of a race hits the constraint inside a savepoint and
gets the winner's certificate back, and its serial number is rolled back with
it. The row is written in a short transaction; the PDF is rendered afterwards
(Celery), so a slow render never holds the serial-number lock.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import re
import secrets
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.drilldown import in_subtree_q
from accounts.models import OrgUnit, Role, User
from accounts.scope import can_view_unit
from certificates.models import (
    Certificate,
    CertificateKind,
    CertificateSequence,
    CertificateSettings,
)
from certificates.models.certificates import SERIAL_CODES
from certificates.notifications import announce_issued, announce_revoked
from certificates.render import render_certificate_pdf
from certificates.selectors.certificates import annual_status, category_labels, due_annual_user_ids
from core import timeutil
from jobs.models import Job
from jobs.services import start_job

logger = logging.getLogger(__name__)

BULK_CHUNK_SIZE = 100


class CertificateError(Exception):
    """Something a person asked for that cannot be done; the message says why."""


class NotEligible(CertificateError):
    pass


@dataclass(frozen=True)
class IssueResult:
    certificate: Certificate
    created: bool


# --- numbers and codes ------------------------------------------------------------


def new_verification_code() -> str:
    """128 random bits in base32 (26 letters/digits, no padding): unguessable, easy to type."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=")


def _next_serial(kind: str, year: int) -> str:
    """Next ``KS-2026-TR-000123``; call inside the issuing transaction (the UPDATE locks the row)."""
    sequence, _created = CertificateSequence.objects.get_or_create(kind=kind, year=year)
    CertificateSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    value = CertificateSequence.objects.values_list("last_value", flat=True).get(pk=sequence.pk)
    return f"{settings.ORG_CODE}-{year}-{SERIAL_CODES[kind]}-{value:06d}"


def hours_text(value) -> str:
    """``Decimal("62.50")`` → ``"62.5"``, ``Decimal("60.00")`` → ``"60"``."""
    value = Decimal(str(value or 0))
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- issuing ----------------------------------------------------------------------


def _holder_details(holder: User) -> dict:
    unit = holder.org_unit
    return {
        "name": holder.full_name,
        "employee_no": holder.employee_no,
        "unit": unit.name if unit else "",
        "unit_path": unit.full_path if unit else "",
        "credential_no": holder.credential_no or "",
    }


def _issuer_details(cert_settings: CertificateSettings | None = None) -> dict:
    cert_settings = cert_settings or CertificateSettings.load()
    return {"authority": cert_settings.authority_name, "signatory": cert_settings.signatory}


@dataclass(frozen=True)
class IssueBatch:
    """What every certificate of a bulk run shares, read once per chunk instead of once per person."""

    cert_settings: CertificateSettings
    labels: dict[str, str]

    @classmethod
    def load(cls) -> IssueBatch:
        return cls(cert_settings=CertificateSettings.load(), labels=category_labels())


def _issue(
    *, kind: str, holder: User, year: int, details: dict, exam=None, course=None, checked: bool = False
) -> IssueResult:
    lookup: dict = {"kind": kind, "holder": holder}
    if kind == CertificateKind.ANNUAL:
        lookup["year"] = year
    elif kind == CertificateKind.EXAM:
        lookup["exam"] = exam
    else:
        lookup["course"] = course
    if not checked:
        existing = Certificate.objects.filter(**lookup).first()
        if existing is not None:
            return IssueResult(existing, False)
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(
                kind=kind,
                holder=holder,
                year=year,
                exam=exam,
                course=course,
                serial=_next_serial(kind, year),
                verification_code=new_verification_code(),
                details=details,
            )
    except IntegrityError:
        existing = Certificate.objects.filter(**lookup, revoked_at__isnull=True).first()
        if existing is None:
            raise
        return IssueResult(existing, False)
    announce_issued(certificate)
    return IssueResult(certificate, True)


def issue_annual_certificate(
    *, holder: User, year: int, batch: IssueBatch | None = None, reissue: bool = False
) -> IssueResult:
    """The year's training certificate, if the holder met the requirement (frozen status once closed).

    A revoked certificate is not replaced by the automatic and bulk runs (it was
    revoked on purpose); ``reissue`` (see ``reissue_annual_certificate``) does.
    """
    existing = Certificate.objects.filter(kind=CertificateKind.ANNUAL, holder=holder, year=year)
    if reissue:
        existing = existing.filter(revoked_at__isnull=True)
    existing = existing.order_by(F("revoked_at").asc(nulls_first=True)).first()  # a valid one before revoked ones
    if existing is not None:
        return IssueResult(existing, False)
    status = annual_status(holder, year)
    if not status.compliant:
        raise NotEligible(
            _("%(name)s %(year)s 年度学时 %(hours)s，未达到要求的 %(required)s 学时，不能颁发年度培训合格证明。")
            % {
                "name": holder.full_name,
                "year": year,
                "hours": hours_text(status.hours),
                "required": hours_text(status.required_hours),
            }
        )
    batch = batch or IssueBatch.load()
    labels = batch.labels
    order = {code: position for position, code in enumerate(labels)}
    breakdown = [
        {"code": code, "label": labels.get(code, code), "hours": hours_text(hours)}
        for code, hours in sorted(status.by_category.items(), key=lambda item: order.get(item[0], len(order)))
        if Decimal(str(hours)) != 0
    ]
    details = {
        **_holder_details(holder),
        **_issuer_details(batch.cert_settings),
        "year": year,
        "hours": hours_text(status.hours),
        "required_hours": hours_text(status.required_hours),
        "breakdown": breakdown,
        "issued_on": timeutil.today().isoformat(),
        "frozen": status.frozen,
    }
    return _issue(kind=CertificateKind.ANNUAL, holder=holder, year=year, details=details, checked=True)


def _enqueue_render(result: IssueResult) -> None:
    if result.created:
        from certificates.tasks import render_certificate

        pk = result.certificate.pk
        transaction.on_commit(lambda: render_certificate.delay(pk))


def issue_exam_certificate(*, holder: User, exam, score, passed_on: dt.date, hours=None, pass_mark=None) -> IssueResult:
    """Called by the exams app when an attempt passes; the PDF follows in Celery."""
    if hours is None:
        hours = getattr(exam, "credit_hours", None)
    if pass_mark is not None:
        pass_line = _("合格分数线 %(mark)s 分") % {"mark": hours_text(pass_mark)}
    elif getattr(exam, "pass_percent", None) is not None:
        pass_line = _("及格线为试卷总分的 %(percent)s%%") % {"percent": hours_text(exam.pass_percent)}
    else:
        pass_line = ""
    details = {
        **_holder_details(holder),
        **_issuer_details(),
        "exam_id": exam.pk,
        "exam_title": str(getattr(exam, "title", exam)),
        "score": hours_text(score),
        "pass_line": pass_line,
        "passed_on": passed_on.isoformat(),
        "hours": hours_text(hours) if hours else "",
        "issued_on": timeutil.today().isoformat(),
    }
    result = _issue(kind=CertificateKind.EXAM, holder=holder, year=passed_on.year, details=details, exam=exam)
    _enqueue_render(result)
    return result


def issue_course_certificate(*, holder: User, course, completed_on: dt.date, hours=None) -> IssueResult:
    """Called by the courses app when a course is complete; ``course`` is its Wagtail page."""
    specific = getattr(course, "specific", course)
    if hours is None:
        hours = getattr(specific, "credit_hours", None)
    details = {
        **_holder_details(holder),
        **_issuer_details(),
        "course_id": course.pk,
        "course_title": course.title,
        "completed_on": completed_on.isoformat(),
        "hours": hours_text(hours) if hours else "",
        "issued_on": timeutil.today().isoformat(),
    }
    result = _issue(kind=CertificateKind.COURSE, holder=holder, year=completed_on.year, details=details, course=course)
    _enqueue_render(result)
    return result


# --- the PDF ----------------------------------------------------------------------


def ensure_pdf(certificate: Certificate, *, cert_settings: CertificateSettings | None = None) -> Certificate:
    """Render and store the PDF once; a second call (or a concurrent one) keeps the first file.

    A recorded file that is gone from PRIVATE_MEDIA_ROOT (a restore of the database
    without that directory, a lost disk) is rendered again from the certificate's
    frozen details, so a download never fails on it.
    """
    storage = certificate.pdf.storage
    recorded = certificate.pdf.name or ""
    if recorded and storage.exists(recorded):
        return certificate
    data = render_certificate_pdf(certificate, cert_settings)
    name = storage.save(certificate.pdf.field.generate_filename(certificate, "certificate.pdf"), ContentFile(data))
    updated = Certificate.objects.filter(pk=certificate.pk, pdf=recorded).update(pdf=name)
    if not updated:
        storage.delete(name)
        certificate.refresh_from_db(fields=["pdf"])
    else:
        certificate.pdf.name = name
        if recorded:
            logger.warning(
                "certificate %s: file %s was missing, rendered again as %s", certificate.serial, recorded, name
            )
    return certificate


def pdf_filename(certificate: Certificate) -> str:
    safe_name = re.sub(r'[\\/:*?"<>|\s]+', "_", certificate.details.get("name", "")) or "certificate"
    return f"{certificate.serial}-{safe_name}.pdf"


# --- revoking ---------------------------------------------------------------------


def revoke_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    reason = (reason or "").strip()
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied
    if not reason:
        raise CertificateError(_("请填写撤销原因。"))
    with transaction.atomic():
        updated = Certificate.objects.filter(pk=certificate.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by, revoke_reason=reason[:1000]
        )
        if not updated:
            raise CertificateError(_("证书 %(serial)s 已经撤销。") % {"serial": certificate.serial})
        audit.record(
            actor=by,
            action="certificate_revoke",
            summary=_("撤销证书 %(serial)s：%(reason)s") % {"serial": certificate.serial, "reason": reason},
            details={"certificate": certificate.pk, "holder": certificate.holder_id},
        )
        announce_revoked(certificate, reason=reason)
    certificate.refresh_from_db()
    return certificate


def reissue_annual_certificate(*, certificate: Certificate, by: User, reason: str) -> Certificate:
    """A new annual certificate (new serial and code) after ``certificate`` was revoked, e.g. once data is corrected.

    Only administrators; the holder must still meet the year's requirement; the
    revoked certificate stays revoked and on record.
    """
    reason = (reason or "").strip()
    if not by.has_role(Role.ADMIN):
        raise PermissionDenied
    if not reason:
        raise CertificateError(_("请填写重新颁发的原因。"))
    if certificate.kind != CertificateKind.ANNUAL or not certificate.is_revoked:
        raise CertificateError(_("只有已撤销的年度培训合格证明可以重新颁发。"))
    valid = Certificate.objects.filter(
        kind=CertificateKind.ANNUAL, holder_id=certificate.holder_id, year=certificate.year, revoked_at__isnull=True
    ).first()
    if valid is not None:
        raise CertificateError(
            _("%(name)s %(year)s 年度已有有效的证明 %(serial)s。")
            % {"name": certificate.holder.full_name, "year": certificate.year, "serial": valid.serial}
        )
    with transaction.atomic():
        result = issue_annual_certificate(holder=certificate.holder, year=certificate.year, reissue=True)
        audit.record(
            actor=by,
            action="certificate_reissue",
            summary=_("重新颁发证书 %(new)s（原证书 %(old)s 已撤销）：%(reason)s")
            % {"new": result.certificate.serial, "old": certificate.serial, "reason": reason},
            details={"certificate": result.certificate.pk, "replaces": certificate.pk, "holder": certificate.holder_id},
        )
        _enqueue_render(result)
    return result.certificate


# --- bulk issuing -----------------------------------------------------------------


def start_bulk_issue(*, requested_by: User, year: int, unit: OrgUnit) -> Job:
    """HR starts the year-end run for a unit of their scope; a double click reuses the running job."""
    if not (requested_by.has_role(Role.HR) or requested_by.has_role(Role.ADMIN)):
        raise PermissionDenied
    if not can_view_unit(requested_by, unit):
        raise PermissionDenied
    this_year = timeutil.current_year()
    if not 2000 <= year <= this_year:
        raise CertificateError(
            _("年度 %(year)s 无效，请选择 2000 至 %(now)s 之间的年度。") % {"year": year, "now": this_year}
        )
    from certificates.jobs import KIND

    return start_job(
        kind=KIND,
        requested_by=requested_by,
        parameters={"year": year},
        scope_unit=unit,
        scope_label=f"{year} · {unit.full_path}",
        audit_action="certificate_bulk_issue",
        audit_summary=_("批量颁发 %(year)s 年度培训合格证明：%(unit)s") % {"year": year, "unit": unit.full_path},
        audit_details={"unit": unit.pk, "year": year},
    )


def issue_and_render_annual(user_ids: Iterable[int], year: int) -> int:
    """Issue (if due) and render each person's annual certificate; return how many were new."""
    created = 0
    batch = IssueBatch.load()
    for holder in User.objects.filter(pk__in=list(user_ids)).select_related("org_unit"):
        try:
            result = issue_annual_certificate(holder=holder, year=year, batch=batch)
        except NotEligible:
            continue
        created += result.created
        if not result.certificate.is_revoked:
            ensure_pdf(result.certificate, cert_settings=batch.cert_settings)
    return created


def annual_certificates_in(year: int, unit: OrgUnit):
    return (
        Certificate.objects.filter(
            in_subtree_q(unit, "holder__org_unit"),
            kind=CertificateKind.ANNUAL,
            year=year,
            revoked_at__isnull=True,
        )
        .exclude(pdf="")
        .order_by("serial")
    )


def write_zip(certificates: Iterable[Certificate], target: IO[bytes]) -> int:
    """All PDFs in one archive (stored, not deflated: PDF streams are already compressed)."""
    count = 0
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
        for certificate in certificates:
            with certificate.pdf.open("rb") as handle:
                archive.writestr(pdf_filename(certificate), handle.read())
            count += 1
    return count


def issue_due_annual(
    *, year: int, unit: OrgUnit, progress: Callable[[int, int], None] | None = None
) -> tuple[int, int]:
    """Synchronous variant for the command line: ``(due, newly issued)``."""
    user_ids = due_annual_user_ids(year, unit)
    created = 0
    for start in range(0, len(user_ids), BULK_CHUNK_SIZE):
        created += issue_and_render_annual(user_ids[start : start + BULK_CHUNK_SIZE], year)
        if progress:
            progress(min(start + BULK_CHUNK_SIZE, len(user_ids)), len(user_ids))
    return len(user_ids), created


__all__ = [
    "CertificateError",
    "IssueResult",
    "NotEligible",
    "annual_certificates_in",
    "ensure_pdf",
    "issue_annual_certificate",
    "issue_course_certificate",
    "issue_due_annual",
    "issue_exam_certificate",
    "revoke_certificate",
    "start_bulk_issue",
    "write_zip",
]
