from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.filters import StaffFilter
from accounts.models import Role
from accounts.permissions import require_roles
from accounts.selectors.staff import staff_export_rows, staff_for
from accounts.xlsx import write_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT_HEADERS = ["工号", "姓名", "单位", "人员类别", "职务", "执法证号", "手机", "邮箱", "在职"]


def _filtered(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    return StaffFilter(request.GET or None, queryset=staff_for(request.user), viewer=request.user)


def staff_list(request):
    staff_filter = _filtered(request)
    page = Paginator(staff_filter.qs, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/staff_list.html", {"filter": staff_filter, "page": page})


def staff_detail(request, employee_no):
    require_roles(request.user, Role.HR, Role.ADMIN)
    # Out of scope looks exactly like not found: no hint that the person exists.
    person = get_object_or_404(staff_for(request.user), employee_no=employee_no)
    return render(request, "accounts/staff_detail.html", {"person": person})


def staff_export(request):
    staff_filter = _filtered(request)
    queryset = staff_filter.qs
    count = queryset.count()
    content = write_workbook(EXPORT_HEADERS, staff_export_rows(queryset), title=_("人员"))
    audit.record(
        actor=request.user,
        action="staff_export",
        summary=_("导出人员名单 %(n)s 人") % {"n": count},
        details={"filters": request.GET.dict(), "count": count},
    )
    response = HttpResponse(content, content_type=XLSX)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="staff-{stamp}.xlsx"'
    return response
