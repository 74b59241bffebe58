from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View

from accounts.models import Role
from accounts.permissions import RoleRequiredMixin, require_roles
from core.xlsx import ImportFailed
from directory.forms import StaffImportForm
from directory.importers.staff import import_staff, template_workbook
from directory.jobs import import_in_background, record_staff_import, start_staff_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class StaffImportView(RoleRequiredMixin, View):
    roles = (Role.HR, Role.ADMIN)
    template_name = "directory/staff_import.html"

    def get(self, request):
        return render(request, self.template_name, {"form": StaffImportForm()})

    def post(self, request):
        form = StaffImportForm(request.POST, request.FILES)
        context = {"form": form}
        if form.is_valid():
            create_units = form.cleaned_data["create_units"]
            if create_units and not request.user.has_role(Role.ADMIN):
                form.add_error("create_units", _("只有系统管理员可以自动创建单位。"))
                return render(request, self.template_name, context, status=400)
            upload = form.cleaned_data["file"]
            if import_in_background(upload):
                job = start_staff_import(
                    upload=upload,
                    actor=request.user,
                    create_units=create_units,
                    dry_run=form.cleaned_data["dry_run"],
                    initial_password=form.cleaned_data["initial_password"] or None,
                )
                return redirect("jobs:detail", pk=job.pk)
            try:
                result = import_staff(
                    form.cleaned_data["file"],
                    actor=request.user,
                    create_units=create_units,
                    dry_run=form.cleaned_data["dry_run"],
                    initial_password=form.cleaned_data["initial_password"] or None,
                )
            except ImportFailed as exc:
                context["problems"] = exc.problems
                return render(request, self.template_name, context, status=400)
            context["result"] = result
            if not result.dry_run:
                context["import_audit_id"] = record_staff_import(
                    actor=request.user, result=result, filename=upload.name
                )
                messages.success(request, _("导入完成。"))
        return render(request, self.template_name, context, status=200 if form.is_valid() else 400)


def template_download(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename=\"staff-template.xlsx\"; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
