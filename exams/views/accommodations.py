"""The exam admin's 特殊安排 pages (list, add, edit, remove); thin: ``exams.services.accommodations`` decides.

Reached from the exam's edit page (header menu) and the exam list (each row's menu); open to
whoever may edit the exam, like the exam's own pages.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from exams.models import Exam, ExamAccommodation
from exams.selectors.accommodations import accommodations_of
from exams.services.accommodations import (
    AccommodationError,
    can_grant,
    change_accommodation,
    grant_accommodation,
    revoke_accommodation,
)
from exams.wagtail_admin.forms import AccommodationForm


def _exam(request, exam_id: int) -> Exam:
    exam = get_object_or_404(Exam, pk=exam_id)
    if not can_grant(request.user, exam):
        raise PermissionDenied
    return exam


def _context(exam: Exam, title: str, **extra) -> dict:
    index = reverse("exams_accommodations:index", args=[exam.pk])
    crumbs = [
        {"url": reverse("exams_exams:index"), "label": _("考试管理")},
        {"url": reverse("exams_exams:edit", args=[exam.pk]), "label": exam.title},
        {"url": index, "label": _("特殊安排")},
    ]
    if extra.get("form") is not None or extra.get("row") is not None:
        crumbs.append({"url": "", "label": title})
    return {
        "exam": exam,
        "page_title": title,
        "header_title": title,
        "header_icon": "time",
        "breadcrumbs_items": crumbs,
        "index_url": index,
        **extra,
    }


def index(request, exam_id: int):
    exam = _exam(request, exam_id)
    return TemplateResponse(
        request,
        "exams/admin/accommodations.html",
        _context(exam, _("特殊安排"), rows=accommodations_of(exam)),
    )


def _save_form(request, exam: Exam, row: ExamAccommodation | None):
    form = AccommodationForm(request.POST or None, instance=row, viewer=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            if row is None:
                grant_accommodation(exam=exam, actor=request.user, **form.service_values())
                messages.success(request, _("已添加特殊安排。"))
            else:
                change_accommodation(accommodation=row, actor=request.user, **form.service_values())
                messages.success(request, _("已修改特殊安排。"))
        except AccommodationError as exc:
            if exc.status == 403:
                raise PermissionDenied
            form.add_error(form.field_for(exc.field), exc.message)
        else:
            return redirect("exams_accommodations:index", exam.pk)
    title = _("添加特殊安排") if row is None else _("修改特殊安排")
    return TemplateResponse(
        request, "exams/admin/accommodation_form.html", _context(exam, title, form=form, media=form.media)
    )


@require_http_methods(["GET", "POST"])
def add(request, exam_id: int):
    return _save_form(request, _exam(request, exam_id), None)


def _row(exam: Exam, pk: int) -> ExamAccommodation:
    return get_object_or_404(ExamAccommodation.objects.select_related("user", "unit"), pk=pk, exam=exam)


@require_http_methods(["GET", "POST"])
def edit(request, exam_id: int, pk: int):
    exam = _exam(request, exam_id)
    return _save_form(request, exam, _row(exam, pk))


@require_http_methods(["GET", "POST"])
def delete(request, exam_id: int, pk: int):
    exam = _exam(request, exam_id)
    row = _row(exam, pk)
    if request.method == "POST":
        try:
            revoke_accommodation(accommodation=row, actor=request.user)
        except AccommodationError:
            raise PermissionDenied
        messages.success(request, _("已取消特殊安排。"))
        return redirect("exams_accommodations:index", exam.pk)
    return TemplateResponse(
        request, "exams/admin/accommodation_delete.html", _context(exam, _("取消特殊安排"), row=row)
    )
