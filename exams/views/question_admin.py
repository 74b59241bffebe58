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

from exams import qtypes
from exams.admin_forms import QuestionImportForm
from exams.formats import xlsx
from exams.jobs import import_in_background, large_file_count, start_question_check, start_question_import
from exams.models import DuplicatePolicy
from exams.selectors.questions import find_category
from exams.services.question_import import (
    EXPORT_FORMATS,
    ImportOutcome,
    PendingImportMissing,
    QuestionImportFailed,
    choose_duplicate_policy,
    confirm_import,
    export_questions,
    find_pending,
    stage_import,
)

TEMPLATE = "exams/admin/question_import.html"
#: While a background check runs, the page reloads itself this often (seconds).
CHECK_REFRESH_SECONDS = 3


def _require(request, codename: str) -> None:
    if not request.user.has_perm(f"exams.{codename}"):
        raise PermissionDenied


def _duplicates_context(preview: ImportOutcome) -> dict:
    """What the preview shows of the questions the bank already holds, and the choice it offers."""
    indexes = {d.index for d in preview.duplicates}
    return {
        "duplicate_indexes": indexes,
        "new_count": len(preview.preview) - len(indexes),
        "duplicate_policies": DuplicatePolicy.choices,
    }


def _context(request, **extra) -> dict:
    if extra.get("preview") is not None:
        extra.update(_duplicates_context(extra["preview"]))
    return {
        "page_title": _("导入题库"),
        "header_title": _("导入题库"),
        "header_icon": "upload",
        "export_formats": [(k, v[0]) for k, v in EXPORT_FORMATS.items()],
        "export_limits": [
            (v[0], "、".join(str(t.label) for t in qtypes.not_exportable(k)))
            for k, v in EXPORT_FORMATS.items()
            if qtypes.not_exportable(k)
        ],
        "breadcrumbs_items": [
            {"url": reverse("wagtailadmin_home"), "label": _("首页")},
            {"url": "", "label": _("导入题库")},
        ],
        **extra,
    }


def _expired(request):
    messages.error(request, _("这次导入已失效（已导入、已过期或不是您上传的），请重新上传文件。"))
    return redirect("exams_question_import:index")


def import_view(request):
    _require(request, "add_question")
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm(request)
    if request.method != "POST" and request.GET.get("token"):
        return _staged(request)
    form = QuestionImportForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return TemplateResponse(request, TEMPLATE, _context(request, form=form))
    upload = form.cleaned_data["file"]
    data = upload.read()
    staging = {
        "data": data,
        "fmt": form.cleaned_data["format"],
        "base_category": form.cleaned_data["category"],
        "skip_unsupported": form.cleaned_data["skip_unsupported"],
        "filename": upload.name,
        "user": request.user,
    }
    count = large_file_count(data=data, fmt=staging["fmt"])
    if count is not None:
        pending = start_question_check(**staging, question_count=count)
        return redirect(f"{reverse('exams_question_import:index')}?token={pending.token}")
    try:
        outcome, pending = stage_import(**staging)
    except QuestionImportFailed as exc:
        return TemplateResponse(
            request, TEMPLATE, _context(request, form=form, failed=exc.outcome, filename=upload.name), status=400
        )
    return TemplateResponse(
        request, TEMPLATE, _context(request, form=form, preview=outcome, token=pending.token, filename=upload.name)
    )


def _staged(request):
    """A staged file's page: its preview to confirm, its problems, or (while a job checks it) a wait."""
    try:
        pending = find_pending(token=uuid.UUID(request.GET["token"]), user=request.user)
    except (ValueError, PendingImportMissing):
        return _expired(request)
    context = _context(request, form=QuestionImportForm(), filename=pending.filename)
    if pending.checked and pending.preview is not None:
        preview = ImportOutcome.from_json(pending.preview)
        context.update(preview=preview, token=pending.token, **_duplicates_context(preview))
    elif pending.preview is not None:
        context["failed"] = ImportOutcome.from_json(pending.preview)
    elif pending.job is not None and pending.job.is_active:
        context.update(checking=pending, refresh_seconds=CHECK_REFRESH_SECONDS)
    elif pending.job is not None:
        context["check_stopped"] = pending.job
    else:
        return _expired(request)
    return TemplateResponse(request, TEMPLATE, context)


def _confirm(request):
    policy = request.POST.get("duplicates", DuplicatePolicy.SKIP)
    if policy not in DuplicatePolicy.values:
        messages.error(request, _("请选择如何处理题库中已有的题。"))
        return redirect(f"{reverse('exams_question_import:index')}?token={request.POST.get('token', '')}")
    try:
        token = uuid.UUID(request.POST.get("token", ""))
        choose_duplicate_policy(token=token, user=request.user, policy=policy)
        if import_in_background(token=token, user=request.user):
            job = start_question_import(token=token, user=request.user)
            return redirect("jobs:detail", pk=job.pk)
        outcome = confirm_import(token=token, user=request.user)
    except (ValueError, PendingImportMissing):
        return _expired(request)
    except QuestionImportFailed as exc:
        return TemplateResponse(
            request, TEMPLATE, _context(request, form=QuestionImportForm(), failed=exc.outcome), status=400
        )
    messages.success(request, _("已导入 %(n)s 道题。") % {"n": outcome.created})
    if outcome.skipped:
        messages.info(request, _("跳过了题库中已有的 %(n)s 道题。") % {"n": outcome.skipped})
    if outcome.versioned:
        messages.info(
            request,
            _("%(n)s 道题库中已有的题按文件更新了内容（已被考试使用的题保存为新版本）。") % {"n": outcome.versioned},
        )
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
    left_out: list[str] = []
    response = HttpResponse(export_questions(fmt=fmt, category=category, left_out=left_out), content_type=content_type)
    if left_out:
        messages.warning(
            request,
            _("%(f)s 无法表示 %(n)s 道题的题型，导出时已略过：%(q)s。")
            % {"f": label, "n": len(left_out), "q": "、".join(left_out[:10]) + ("……" if len(left_out) > 10 else "")},
        )
    response["Content-Disposition"] = f'attachment; filename="questions{suffix}"'
    return response
