"""The question-bank import/export pages inside the Wagtail admin (thin: services do the work)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from exams.admin_forms import QuestionImportForm
from exams.formats import xlsx
from exams.selectors.questions import find_category
from exams.services.question_import import (
    EXPORT_FORMATS,
    PendingImportMissing,
    QuestionImportFailed,
    confirm_import,
    export_questions,
    stage_import,
)

TEMPLATE = "exams/admin/question_import.html"


def _require(request, codename: str) -> None:
    if not request.user.has_perm(f"exams.{codename}"):
        raise PermissionDenied


def _context(request, **extra) -> dict:
    return {
        "page_title": _("导入题库"),
        "header_title": _("导入题库"),
        "header_icon": "upload",
        "export_formats": [(k, v[0]) for k, v in EXPORT_FORMATS.items()],
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("首页")},
            {"url": "", "label": _("导入题库")},
        ],
        **extra,
    }


def import_view(request):
    _require(request, "add_question")
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, TEMPLATE, _context(request, form=form))
    upload = form.cleaned_data["file"]
    try:
        outcome, pending = stage_import(
            data=upload.read(),
            fmt=form.cleaned_data["format"],
            base_category=form.cleaned_data["category"],
            skip_unsupported=form.cleaned_data["skip_unsupported"],
            filename=upload.name,
            user=request.user,
        )
    except QuestionImportFailed as exc:
        return TemplateResponse(
            request, TEMPLATE, _context(request, form=form, failed=exc.outcome, filename=upload.name), status=400
        )
    return TemplateResponse(
        request, TEMPLATE, _context(request, form=form, preview=outcome, token=pending.token, filename=upload.name)
    )


def _confirm(request):
    try:
        token = uuid.UUID(request.POST.get("token", ""))
        outcome = confirm_import(token=token, user=request.user)
    except (ValueError, PendingImportMissing):
        messages.error(request, _("这次导入已失效（已导入、已过期或不是您上传的），请重新上传文件。"))
        return redirect("exams_question_import:index")
    except QuestionImportFailed as exc:
        return TemplateResponse(
            request, TEMPLATE, _context(request, form=QuestionImportForm(), failed=exc.outcome), status=400
        )
    messages.success(request, _("已导入 %(n)s 道题。") % {"n": outcome.created})
    return redirect(reverse("exams_questions:index"))


def template_download(request):
    _require(request, "add_question")
    response = HttpResponse(
        xlsx.template(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E9%A2%98%E5%BA%93%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


def export_view(request):
    _require(request, "view_question")
    fmt = request.GET.get("format", "xlsx")
    path = request.GET.get("category", "").strip()
    category = find_category(path) if path else None
    if fmt not in EXPORT_FORMATS or (path and category is None):
        messages.error(request, _("找不到分类“%(p)s”。") % {"p": path} if path else _("不支持的导出格式。"))
        return redirect("exams_question_import:index")
    label, suffix, content_type = EXPORT_FORMATS[fmt]
    response = HttpResponse(export_questions(fmt=fmt, category=category), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="questions{suffix}"'
    return response
