"""Pages of classroom sessions: the organiser's list, form, attendance and QR screens,
the attendance import, lecture-series scheduling, and the learner's check-in and
"近期培训" pages. Views parse the request, call one service or selector and render."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.models import StaffCategory
from classroom import checkin_codes
from classroom.forms import (
    AttendanceImportForm,
    LectureSeriesForm,
    ManualMarkForm,
    RemoveAttendanceForm,
    SessionForm,
)
from classroom.importers.attendance import import_attendance, template_workbook
from classroom.jobs import import_in_background, start_attendance_import
from classroom.models import Attendance, TrainingSession
from classroom.selectors import sessions as selectors
from classroom.services import sessions as services
from core.xlsx import ImportFailed, ProblemList
from learning.services.ledger import LedgerError

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_KEY = "pending_session_checkin"
# How long after a verified scan the official may take to sign in and still be checked in.
PENDING_MAX_AGE = dt.timedelta(minutes=10)


def _managed_session(request, pk: int) -> TrainingSession:
    session = get_object_or_404(TrainingSession.objects.select_related("organiser", "hour_category"), pk=pk)
    selectors.ensure_can_manage_session(request.user, session)
    return session


def _require_creator(request) -> None:
    if not selectors.can_create_sessions(request.user):
        raise PermissionDenied


# --- organiser pages ------------------------------------------------------------------


@login_required
@require_GET
def session_list(request):
    if not selectors.can_use_session_tools(request.user):
        raise PermissionDenied
    filters = {
        "search": request.GET.get("q", "").strip()[:100],
        "kind": request.GET.get("kind", "") if request.GET.get("kind") in TrainingSession.Kind.values else "",
        "status": request.GET.get("status", "") if request.GET.get("status") in TrainingSession.Status.values else "",
        # Today's and coming sessions first unless the organiser asks for others.
        "period": request.GET.get("period", "upcoming") if request.GET.get("period") in ("past", "all") else "upcoming",
    }
    page = Paginator(selectors.managed_sessions(request.user, **filters), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "classroom/manage_list.html",
        {
            "page": page,
            "filters": filters,
            "kinds": TrainingSession.Kind.choices,
            "statuses": TrainingSession.Status.choices,
            "can_create": selectors.can_create_sessions(request.user),
        },
    )


def _save_form(request, form: SessionForm, session: TrainingSession | None):
    try:
        saved = services.save_session(
            session=session,
            fields=form.session_fields(),
            lecturers=form.cleaned_data["lecturers"],
            audience_units=form.cleaned_data["audience_units"],
            audience_people=form.cleaned_data["audience_people"],
            by=request.user,
        )
    except services.SessionError as exc:
        form.add_error(None, str(exc))
        return None
    return saved


def _render_form(request, form, session, status=200):
    return render(request, "classroom/form.html", {"form": form, "session": session}, status=status)


@login_required
def session_create(request):
    _require_creator(request)
    if request.method != "POST":
        return _render_form(request, SessionForm(), None)
    form = SessionForm(request.POST)
    saved = _save_form(request, form, None) if form.is_valid() else None
    if saved is None:
        return _render_form(request, form, None, status=400)
    messages.success(request, _("已创建培训“%(t)s”。") % {"t": saved.title})
    return redirect("classroom:session_detail", pk=saved.pk)


@login_required
def session_edit(request, pk: int):
    session = _managed_session(request, pk)
    if request.method != "POST":
        return _render_form(request, SessionForm(instance=session), session)
    form = SessionForm(request.POST, instance=TrainingSession.objects.get(pk=pk))
    saved = _save_form(request, form, session) if form.is_valid() else None
    if saved is None:
        return _render_form(request, form, session, status=400)
    messages.success(request, _("已保存。"))
    return redirect("classroom:session_detail", pk=saved.pk)


@login_required
@require_GET
def session_detail(request, pk: int):
    session = _managed_session(request, pk)
    return _render_detail(request, session)


def _render_detail(request, session, *, mark_form=None, status=200):
    search = request.GET.get("q", "").strip()[:50]
    return render(
        request,
        "classroom/detail.html",
        {
            "session": session,
            "lecturers": list(session.lecturers.select_related("org_unit")),
            "audience_units": list(session.audience_units.order_by("path")),
            "audience_count": selectors.audience_queryset(session).count(),
            "category_labels": [
                StaffCategory(c).label for c in session.audience_categories if c in StaffCategory.values
            ],
            "attendances": Paginator(selectors.session_attendances(session), 100).get_page(request.GET.get("apage")),
            "candidates": selectors.audience_candidates(session, search=search),
            "search": search,
            "mark_form": mark_form or ManualMarkForm(),
            "remove_form": RemoveAttendanceForm(),
            "is_open": session.status != TrainingSession.Status.CANCELLED,
            "can_mark_held": session.status != TrainingSession.Status.CANCELLED and session.starts_at <= timezone.now(),
        },
        status=status,
    )


@login_required
@require_POST
def session_mark(request, pk: int):
    session = _managed_session(request, pk)
    form = ManualMarkForm(request.POST)
    if form.is_valid():
        try:
            created = services.mark_manually(session=session, users=form.cleaned_data["users"], by=request.user)
        except (services.SessionError, LedgerError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("已登记 %(n)s 人签到。") % {"n": created})
            return redirect("classroom:session_detail", pk=pk)
    return _render_detail(request, session, mark_form=form, status=400)


@login_required
@require_POST
def attendance_remove(request, pk: int, attendance_id: int):
    session = _managed_session(request, pk)
    attendance = get_object_or_404(
        Attendance.objects.select_related("user", "session", "ledger_entry"), pk=attendance_id, session=session
    )
    form = RemoveAttendanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("撤销签到需要填写原因。"))
        return redirect("classroom:session_detail", pk=pk)
    try:
        services.remove_attendance(attendance=attendance, by=request.user, reason=form.cleaned_data["reason"])
    except (services.SessionError, LedgerError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已撤销 %(name)s 的签到，学时已冲销。") % {"name": attendance.user.full_name})
    return redirect("classroom:session_detail", pk=pk)


@login_required
@require_POST
def session_held(request, pk: int):
    session = _managed_session(request, pk)
    try:
        results = services.mark_session_held(session=session, by=request.user)
    except (services.SessionError, LedgerError) as exc:
        messages.error(request, str(exc))
    else:
        credited = sum(1 for r in results if r.created)
        messages.success(request, _("已确认举办；本次为 %(n)s 位主讲人记入授课学时。") % {"n": credited})
    return redirect("classroom:session_detail", pk=pk)


@login_required
@require_POST
def session_cancel(request, pk: int):
    session = _managed_session(request, pk)
    try:
        services.cancel_session(session=session, by=request.user)
    except services.SessionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("培训已取消。"))
    return redirect("classroom:session_detail", pk=pk)


# --- QR display -----------------------------------------------------------------------


def _qr_payload(request, session: TrainingSession) -> dict:
    now = timezone.now()
    window = checkin_codes.window_at(now)
    url = request.build_absolute_uri(checkin_codes.checkin_path(session.pk, window))
    return {
        "svg": checkin_codes.qr_svg(url),
        "url": url,
        "seconds_left": checkin_codes.seconds_left(now),
        "attended": session.attendances.count(),
    }


@login_required
@require_GET
def session_qr(request, pk: int):
    session = _managed_session(request, pk)
    opens, closes = selectors.checkin_window(session)
    return render(
        request,
        "classroom/qr.html",
        {"session": session, "qr": _qr_payload(request, session), "opens": opens, "closes": closes},
    )


@never_cache
@login_required
@require_GET
def session_qr_code(request, pk: int):
    session = _managed_session(request, pk)
    return JsonResponse(_qr_payload(request, session))


# --- import ---------------------------------------------------------------------------


@login_required
def session_import(request, pk: int):
    session = _managed_session(request, pk)
    context = {"session": session, "form": AttendanceImportForm()}
    if request.method != "POST":
        return render(request, "classroom/import.html", context)
    form = AttendanceImportForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, "classroom/import.html", context, status=400)
    upload = form.cleaned_data["file"]
    if import_in_background(upload):
        job = start_attendance_import(session=session, upload=upload, by=request.user)
        return redirect("jobs:detail", pk=job.pk)
    try:
        context["result"] = import_attendance(session=session, fileobj=upload, by=request.user)
    except ImportFailed as exc:
        context["problems"] = exc.problems
        return render(request, "classroom/import.html", context, status=400)
    except LedgerError as exc:
        context["problems"] = ProblemList([str(exc)])
        return render(request, "classroom/import.html", context, status=400)
    messages.success(request, _("导入完成。"))
    return render(request, "classroom/import.html", context)


@login_required
@require_GET
def import_template(request):
    if not selectors.can_use_session_tools(request.user):
        raise PermissionDenied
    response = HttpResponse(template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = (
        'attachment; filename="attendance-template.xlsx"; '
        "filename*=UTF-8''%E7%AD%BE%E5%88%B0%E5%90%8D%E5%8D%95%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response


# --- lecture series -------------------------------------------------------------------


@login_required
def series_schedule(request):
    _require_creator(request)
    if request.method != "POST":
        return render(request, "classroom/series.html", {"form": LectureSeriesForm()})
    form = LectureSeriesForm(request.POST)
    result = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            result = services.schedule_lecture_series(
                title=data["title"],
                first_day=data["first_day"],
                last_day=data["last_day"],
                start_time=data["start_time"],
                duration_minutes=data["duration_minutes"],
                hours=data["hours"],
                hour_category=data["hour_category"].code,
                venue=data["venue"],
                lecturers=data["lecturers"],
                audience_units=data["audience_units"],
                audience_categories=list(data["audience_categories"]),
                audience_people=data["audience_people"],
                by=request.user,
            )
        except services.SessionError as exc:
            form.add_error(None, str(exc))
    status = 200 if result is not None else 400
    return render(request, "classroom/series.html", {"form": form, "result": result}, status=status)


# --- learner pages --------------------------------------------------------------------


def _checkin_page(request, *, session=None, result=None, error=None, status=200):
    return render(
        request,
        "classroom/checkin.html",
        {"session": session, "result": result, "error": error},
        status=status,
    )


def _refusal_status(exc: services.CheckInRefused) -> int:
    return 403 if exc.reason == "audience" else 400


@never_cache
@require_GET
def session_checkin(request, session_id: int, window: int, code: str):
    """Opening the scanned URL checks the signed-in official in.

    A GET changes state here on purpose: the scan is the confirmation, the code
    cannot be forged, lives at most two minutes, and can only check in the person
    who opens it. Someone not yet signed in keeps the verified scan in their
    session for a few minutes and is checked in right after signing in.
    """
    now = timezone.now()
    try:
        services.verify_checkin_code(session_id=session_id, window=window, code=code, now=now)
    except services.CheckInRefused as exc:
        return _checkin_page(request, error=str(exc), status=400)
    if not request.user.is_authenticated:
        request.session[PENDING_KEY] = {"session": session_id, "at": now.timestamp()}
        return redirect_to_login(reverse("classroom:session_checkin_resume"))
    return _do_checkin(request, session_id, now)


def _do_checkin(request, session_id: int, scanned_at: dt.datetime):
    try:
        result = services.check_in_after_scan(session_id=session_id, user=request.user, scanned_at=scanned_at)
    except services.CheckInRefused as exc:
        session = TrainingSession.objects.filter(pk=session_id).first()
        return _checkin_page(request, session=session, error=str(exc), status=_refusal_status(exc))
    except (services.SessionError, LedgerError) as exc:
        return _checkin_page(request, error=str(exc), status=400)
    return _checkin_page(request, session=result.attendance.session, result=result)


@never_cache
@login_required
def session_checkin_resume(request):
    pending = request.session.pop(PENDING_KEY, None)
    if not pending:
        return _checkin_page(request, error=_("没有待完成的签到，请扫描现场二维码。"), status=400)
    scanned_at = dt.datetime.fromtimestamp(pending["at"], tz=dt.UTC)
    if timezone.now() - scanned_at > PENDING_MAX_AGE:
        return _checkin_page(request, error=_("二维码已过期，请重新扫描现场二维码。"), status=400)
    return _do_checkin(request, int(pending["session"]), scanned_at)


@login_required
@require_GET
def sessions_mine(request):
    return render(
        request,
        "classroom/mine.html",
        {
            "upcoming": selectors.upcoming_sessions_for(request.user),
            "attended": selectors.recent_attendances(request.user),
            "organises": selectors.can_use_session_tools(request.user),
        },
    )
