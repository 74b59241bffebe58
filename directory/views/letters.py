"""Printing activation letters for a unit or chosen people, and resetting one person's access.

Both issue new codes, so both show what will happen and take a POST with a
confirmation; the answer is the PDF itself (or, for many people, a job whose
page offers it when done).
"""

from __future__ import annotations

import io

from django.conf import settings
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from accounts.permissions import require_roles
from accounts.selectors.activation import activation_status
from accounts.services.activation import AccessDenied, ensure_can_manage, reset_access
from directory.forms import ActivationLettersForm
from directory.letters import (
    PAGE,
    LettersError,
    letters_filename,
    letters_font,
    letters_pdf,
    print_in_background,
    privileged_among,
    start_letters_job,
    write_letters,
)
from directory.selectors.letters import select_recipients
from directory.selectors.staff import staff_for

PDF = "application/pdf"
#: What a GET may carry to fill the form in: the staff list's ticked people (``no``) and the import's link.
SOURCE_KEYS = ("unit", "employee_nos", "staff_import", "layout", "only_pending")


def _pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def _form_data(request):
    """The GET's query as form data (``no=A&no=B`` from the staff list becomes the 工号 field), or ``None``."""
    query = request.GET
    numbers = query.getlist("no")
    if not numbers and not any(key in query for key in SOURCE_KEYS):
        return None
    data = {key: query.get(key) for key in SOURCE_KEYS if query.get(key) is not None}
    if numbers:
        data["employee_nos"] = " ".join(numbers)
    if "only_pending" not in query:
        # A checkbox left out of a link means "as the form suggests": for named people, every one of them.
        data["only_pending"] = "" if (numbers or data.get("employee_nos")) else "on"
    data.setdefault("layout", PAGE)
    return data


@never_cache
@require_http_methods(["GET", "POST"])
def activation_letters(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    viewer = request.user
    if request.method == "POST":
        form = ActivationLettersForm(request.POST, viewer=viewer)
    else:
        data = _form_data(request)
        form = ActivationLettersForm(data, viewer=viewer) if data is not None else ActivationLettersForm(viewer=viewer)
    selection = None
    if form.is_bound and form.is_valid():
        letter_request = form.cleaned_data["request"]
        selection = select_recipients(viewer, letter_request)
        if selection.unknown and not form.imported:
            form.add_error(
                "employee_nos",
                _("以下工号不存在或不在您的管辖范围内：%(numbers)s。请改正后再打印。")
                % {"numbers": "、".join(selection.unknown[:20]) + ("…" if len(selection.unknown) > 20 else "")},
            )
            selection = None  # nothing to print until the list is right
        elif request.method == "POST":
            if not selection.people:
                form.add_error(None, _("没有需要打印开通通知书的人员。"))
            elif not form.cleaned_data["confirm"]:
                form.add_error("confirm", _("请勾选确认：生成后这些人员原有的激活码将作废。"))
            elif print_in_background(selection.people):
                job = start_letters_job(viewer=viewer, request=letter_request, people=selection.people)
                return redirect("jobs:detail", pk=job.pk)
            else:
                out = io.BytesIO()
                try:
                    write_letters(
                        out, user_ids=selection.user_ids, actor=viewer, layout=letter_request.layout, via="letters"
                    )
                except LettersError as exc:
                    form.add_error(None, str(exc))
                else:
                    return _pdf_response(out.getvalue(), letters_filename(unit=letter_request.unit, at=timezone.now()))
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "directory/activation_letters.html",
        {
            "form": form,
            "selection": selection,
            "in_job": selection is not None and print_in_background(selection.people),
            "code_days": settings.ACTIVATION_CODE_DAYS,
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def reset_access_view(request, employee_no):
    """HR's "重置账号访问": confirm, then a new letter; the old password, code and every session stop working."""
    require_roles(request.user, Role.HR, Role.ADMIN)
    person = get_object_or_404(staff_for(request.user), employee_no=employee_no)
    refusal = None
    try:
        ensure_can_manage(request.user, person)
    except AccessDenied as exc:
        refusal = str(exc)
    allowed = refusal is None
    if request.method == "POST" and allowed:
        if request.POST.get("confirm") != "yes":
            refusal = _("请勾选确认后再重置。")
        else:
            try:
                letters_font()
                with transaction.atomic():
                    issued = reset_access(person=person, actor=request.user)
                    data = letters_pdf([issued], layout=PAGE, privileged_ids=privileged_among([person.pk]))
            except (LettersError, AccessDenied) as exc:
                refusal = str(exc)
            else:
                filename = f"activation-letter-{person.employee_no}-{timezone.localtime():%Y%m%d-%H%M}.pdf"
                return _pdf_response(data, filename)
    return render(
        request,
        "directory/staff_reset_access.html",
        {"person": person, "refusal": refusal, "allowed": allowed, "status": activation_status(person)},
        status=200 if refusal is None else (403 if not allowed else 400),
    )
