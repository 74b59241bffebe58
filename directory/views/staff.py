from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts import audit
from accounts.models import Role
from accounts.permissions import require_roles
from accounts.selectors.activation import activation_status
from accounts.services.activation import access_refusal
from directory.filters import StaffFilter
from directory.jobs import (
    EXPORT_AUDIT_ACTION,
    export_filters,
    staff_export_audit,
    staff_export_filename,
    staff_workbook,
    start_staff_export,
)
from directory.selectors.staff import staff_for
from jobs.exports import XLSX_TYPE, export_in_background, export_job_rows


def _filtered(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    return StaffFilter(request.GET or None, queryset=staff_for(request.user), viewer=request.user)


def staff_list(request):
    staff_filter = _filtered(request)
    page = Paginator(staff_filter.qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/staff_list.html",
        {"filter": staff_filter, "page": page, "export_in_job": export_in_background(page.paginator.count)},
    )


def staff_detail(request, employee_no):
    require_roles(request.user, Role.HR, Role.ADMIN)
    # Out of scope looks exactly like not found: no hint that the person exists.
    person = get_object_or_404(staff_for(request.user), employee_no=employee_no)
    return render(
        request,
        "directory/staff_detail.html",
        {
            "person": person,
            "activation": activation_status(person),
            "access_refusal": access_refusal(request.user, person),
        },
    )


def _export_confirm(request, *, rows: int, back_url: str, back_label: str):
    """The page a GET of a large export shows: starting its job changes state, so that takes a POST."""
    return render(
        request,
        "accounts/export_confirm.html",
        {
            "rows": rows,
            "limit": export_job_rows(),
            "action": request.get_full_path(),
            "back_url": back_url,
            "back_label": back_label,
        },
    )


@require_http_methods(["GET", "POST"])
def staff_export(request):
    """The filtered staff list as Excel: written now when small, else by a job (started by a POST)."""
    staff_filter = _filtered(request)
    queryset = staff_filter.qs
    count = queryset.count()
    if export_in_background(count):
        if request.method != "POST":
            query = request.GET.urlencode()
            back = reverse("directory:staff_list") + (f"?{query}" if query else "")
            return _export_confirm(request, rows=count, back_url=back, back_label=_("人员名册"))
        job = start_staff_export(viewer=request.user, staff_filter=staff_filter, count=count)
        return redirect("jobs:detail", pk=job.pk)
    content = staff_workbook(queryset)
    summary, details = staff_export_audit(count=count, filters=export_filters(staff_filter))
    audit.record(actor=request.user, action=EXPORT_AUDIT_ACTION, summary=summary, details=details)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{staff_export_filename(timezone.now())}"'
    return response
