"""Certificate pages: public verification, "my certificates", downloads, HR bulk issue (a job), revoking."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts import audit
from accounts.drilldown import tree_order
from accounts.models import OrgUnit, Role
from accounts.permissions import require_roles
from accounts.scope import can_view_unit, filter_units
from certificates.forms import BulkIssueForm, ReissueForm, RevokeForm, VerifyForm
from certificates.jobs import KIND as BULK_KIND
from certificates.masking import mask_name
from certificates.models import Certificate, CertificateKind
from certificates.ratelimit import verify_allowed
from certificates.render import CertificateRenderError
from certificates.selectors.certificates import (
    certificate_by_code,
    certificate_for_download,
    certificates_of,
    normalise_code,
)
from certificates.services.certificates import (
    CertificateError,
    ensure_pdf,
    pdf_filename,
    reissue_annual_certificate,
    revoke_certificate,
    start_bulk_issue,
)
from jobs.selectors import jobs_visible_to
from jobs.storage import private_download

# --- public verification ----------------------------------------------------------


@require_GET
def verify_form(request):
    form = VerifyForm(request.GET or None)
    if form.is_valid():
        code = normalise_code(form.cleaned_data["code"])
        if code:
            return redirect("verify:detail", code=code)
        form.add_error("code", _("请输入证书上印的验证码。"))
    return render(request, "certificates/verify_form.html", {"form": form})


@require_GET
@never_cache
def verify_detail(request, code: str):
    if not verify_allowed(request):
        return render(request, "certificates/verify_limited.html", status=429)
    certificate = certificate_by_code(code)
    if certificate is None:
        return render(
            request,
            "certificates/verify_result.html",
            {"found": False, "form": VerifyForm()},
            status=404,
        )
    context = {
        "found": True,
        "revoked": certificate.is_revoked,
        "kind_label": CertificateKind(certificate.kind).label,
        "subject": certificate.title,
        "masked_name": mask_name(certificate.details.get("name", "")),
        "form": VerifyForm(),
    }
    return render(request, "certificates/verify_result.html", context)


# --- officials and HR -------------------------------------------------------------


@login_required
def my_certificates(request):
    certificates = certificates_of(request.user)
    return render(request, "certificates/my_certificates.html", {"certificates": certificates})


@login_required
def download(request, pk: int):
    certificate = certificate_for_download(request.user, pk)
    try:
        ensure_pdf(certificate)  # renders a PDF never made or gone from PRIVATE_MEDIA_ROOT
    except (CertificateError, CertificateRenderError) as exc:
        messages.error(request, str(exc))
        return redirect("certificates:mine")
    if certificate.holder_id != request.user.pk:
        audit.record(
            actor=request.user,
            action="certificate_download",
            summary=_("下载 %(name)s 的证书 %(serial)s")
            % {"name": certificate.holder.full_name, "serial": certificate.serial},
            details={"certificate": certificate.pk},
        )
    return private_download(certificate.pdf, filename=pdf_filename(certificate), content_type="application/pdf")


@require_http_methods(["GET", "POST"])
@login_required
def bulk_issue(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    units = list(filter_units(request.user).order_by(tree_order(None)))
    form = BulkIssueForm(request.POST or None, units=units)
    if request.method == "POST" and form.is_valid():
        unit = get_object_or_404(OrgUnit, pk=form.cleaned_data["unit"])
        if not can_view_unit(request.user, unit):
            raise PermissionDenied
        try:
            job = start_bulk_issue(requested_by=request.user, year=form.cleaned_data["year"], unit=unit)
        except CertificateError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("jobs:detail", pk=job.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "certificates/bulk_issue.html",
        {"form": form, "jobs": jobs_visible_to(request.user, kind=BULK_KIND)[:10], "has_units": bool(units)},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@login_required
def revoke(request, pk: int):
    require_roles(request.user, Role.ADMIN)
    certificate = get_object_or_404(Certificate.objects.select_related("holder", "revoked_by"), pk=pk)
    form = RevokeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            revoke_certificate(certificate=certificate, by=request.user, reason=form.cleaned_data["reason"])
        except CertificateError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("证书 %(serial)s 已撤销。") % {"serial": certificate.serial})
            return redirect("admin:certificates_certificate_changelist")
    status = 400 if request.method == "POST" else 200
    return _revoke_page(request, certificate, form=form, status=status)


def _revoke_page(request, certificate, *, form=None, reissue_form=None, status=200):
    can_reissue = certificate.is_revoked and certificate.kind == CertificateKind.ANNUAL
    return render(
        request,
        "certificates/revoke.html",
        {
            "certificate": certificate,
            "form": form or RevokeForm(),
            "reissue_form": reissue_form or (ReissueForm() if can_reissue else None),
        },
        status=status,
    )


@require_http_methods(["POST"])
@login_required
def reissue(request, pk: int):
    require_roles(request.user, Role.ADMIN)
    certificate = get_object_or_404(Certificate.objects.select_related("holder", "revoked_by"), pk=pk)
    form = ReissueForm(request.POST)
    if form.is_valid():
        try:
            new = reissue_annual_certificate(
                certificate=certificate, by=request.user, reason=form.cleaned_data["reason"]
            )
        except CertificateError as exc:  # NotEligible included
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("已重新颁发证书 %(new)s，原证书 %(old)s 仍为已撤销。")
                % {"new": new.serial, "old": certificate.serial},
            )
            return redirect("admin:certificates_certificate_changelist")
    return _revoke_page(request, certificate, reissue_form=form, status=400)
