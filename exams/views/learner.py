"""Learner pages: 我的考试, an exam's page, the attempt page and its JSON endpoints, the result.

Every view that takes an attempt id looks it up *with* ``user=request.user``: another
learner's attempt is a 404, indistinguishable from one that does not exist.
"""

from __future__ import annotations

import secrets
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import payload
from core.payload import HostileInput
from exams.models import Exam, ExamAttempt
from exams.selectors.accommodations import arrangement_of
from exams.selectors.attempts import paper_for_page, review_items
from exams.selectors.exams import (
    attempts_summary,
    exams_for_learner,
    in_audience,
    makeup_eligible,
    retake_for,
    retakes_in_list,
    review_rights,
)
from exams.services.attempts import AttemptError, save_answers, start_attempt, submit_attempt
from exams.services.integrity import DEVICE_COOKIE, device_digest, leave_count, open_on_device, record_events

DEVICE_COOKIE_SECONDS = 365 * 24 * 3600


def json_login_required(view):
    """Like ``login_required`` but answers JSON 401 (the page keeps unsent answers and retries)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse(
                {"ok": False, "code": "login", "error": _("登录已失效，请重新登录；未保存的答案仍保留在本机。")},
                status=401,
            )
        return view(request, *args, **kwargs)

    return wrapper


def _error(exc: AttemptError) -> JsonResponse:
    codes = {404: "not_found", 409: "closed", 410: "deadline", 403: "forbidden"}
    code = getattr(exc, "code", None) or codes.get(exc.status, "invalid")
    return JsonResponse({"ok": False, "code": code, "error": exc.message}, status=exc.status)


def _device(request) -> str:
    """The digest of this browser's device cookie ("" without one): which device a save or an event comes from."""
    return device_digest(request.COOKIES.get(DEVICE_COOKIE))


def _own_attempt(request, attempt_id: int) -> ExamAttempt:
    return get_object_or_404(ExamAttempt.objects.select_related("exam"), pk=attempt_id, user=request.user)


@login_required
def my_exams(request):
    rows = exams_for_learner(request.user)
    retakes = retakes_in_list(rows)
    for row in rows:
        row.retake = retakes.get(row.exam.pk)
    return render(
        request,
        "exams/my_exams.html",
        {
            "open_rows": [r for r in rows if r.state == "open"],
            "upcoming_rows": [r for r in rows if r.state == "upcoming"],
            "closed_rows": [r for r in rows if r.state == "closed"],
        },
    )


@login_required
def exam_detail(request, exam_id: int):
    exam = get_object_or_404(Exam.objects.select_related("makeup_for"), pk=exam_id, is_published=True)
    summary = attempts_summary(exam, request.user)
    if not summary.used and not (in_audience(exam, request.user) and makeup_eligible(exam, request.user)):
        raise Http404
    now = timezone.now()
    left = max(exam.attempts_allowed - summary.used, 0)
    arrangement = arrangement_of(exam, request.user)  # extra time or a separate window (特殊安排)
    opens_at, closes_at = arrangement.window(exam)
    is_open = opens_at <= now < closes_at
    return render(
        request,
        "exams/exam_detail.html",
        {
            "exam": exam,
            "summary": summary,
            "attempts_left": left,
            "is_open": is_open,
            "can_start": is_open and left > 0 and not summary.passed and not summary.pending,
            "not_yet": now < opens_at,
            "arrangement": arrangement,
            "retake": retake_for(exam, request.user, summary, now=now),
            "can_mock": exam.has_mock and in_audience(exam, request.user),
        },
    )


@require_POST
@login_required
def start(request, exam_id: int):
    try:
        attempt = start_attempt(exam_id=exam_id, user=request.user)
    except AttemptError as exc:
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
        return redirect("exams:exam_detail", exam_id=exam_id)
    return redirect("exams:attempt", attempt_id=attempt.pk)


@never_cache
@login_required
def attempt_page(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if attempt.status != ExamAttempt.Status.IN_PROGRESS:
        return redirect("exams:result", attempt_id=attempt.pk)
    exam = attempt.exam
    raw_device = request.COOKIES.get(DEVICE_COOKIE) or (secrets.token_urlsafe(24) if exam.single_device else "")
    open_on_device(attempt=attempt, device=device_digest(raw_device), user_agent=request.headers.get("User-Agent", ""))
    remaining = max(int((attempt.deadline - timezone.now()).total_seconds()), 0)
    items = paper_for_page(attempt)
    answered = sum(1 for i in items if i.answered)
    config = {
        "attemptId": attempt.pk,
        "remainingSeconds": remaining,
        "saveUrl": reverse("exams:save", args=[attempt.pk]),
        "stateUrl": reverse("exams:state", args=[attempt.pk]),
        "submitUrl": reverse("exams:submit", args=[attempt.pk]),
        "resultUrl": reverse("exams:result", args=[attempt.pk]),
        "eventsUrl": reverse("exams:events", args=[attempt.pk]),
        "seqs": {str(i.position): i.seq for i in items},
        "integrity": {
            "countLeaves": exam.count_page_leaves,
            "leaveLimit": exam.page_leave_limit if exam.count_page_leaves else 0,
            "leaves": leave_count(attempt.pk) if exam.count_page_leaves else 0,
            "fullscreen": exam.require_fullscreen,
            "blockCopy": exam.block_copy_paste,
        },
    }
    response = render(
        request,
        "exams/attempt.html",
        {
            "attempt": attempt,
            "exam": exam,
            "items": items,
            "config": config,
            "remaining": remaining,
            "answered": answered,
            "unanswered": len(items) - answered,
            "flagged": sum(1 for i in items if i.flagged),
        },
    )
    if raw_device and raw_device != request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            raw_device,
            max_age=DEVICE_COOKIE_SECONDS,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


@never_cache
@require_GET
@json_login_required
def attempt_state(request, attempt_id: int):
    """The saved answers and the time left, as the page shows them (for resuming after a reload)."""
    attempt = _own_attempt(request, attempt_id)
    items = paper_for_page(attempt) if attempt.status == ExamAttempt.Status.IN_PROGRESS else []
    answers = {}
    for item in items:
        answers[str(item.position)] = {"seq": item.seq, "response": item.client_response, "flagged": item.flagged}
    device = _device(request)
    return JsonResponse(
        {
            "ok": True,
            "status": attempt.status,
            "taken_over": bool(attempt.exam.single_device and attempt.device_token and attempt.device_token != device),
            "remaining_seconds": max(int((attempt.deadline - timezone.now()).total_seconds()), 0),
            "answers": answers,
        }
    )


def _payload(request) -> dict:
    """JSON body (fetch) or a ``payload`` form field (``navigator.sendBeacon`` with FormData).

    The form is read through ``request.POST`` only: once the CSRF check (or the
    input middleware) has parsed a multipart body, ``request.body`` is gone.
    Size, depth and NUL are checked again on the field, which the middleware
    saw only as a string.
    """
    raw = request.body if request.content_type == "application/json" else request.POST.get("payload")
    try:
        data = payload.loads(raw or b"{}")
    except HostileInput as exc:
        raise AttemptError(exc.message)
    except (ValueError, TypeError):
        raise AttemptError(_("答案格式无效，请刷新页面。"))
    if not isinstance(data, dict):
        raise AttemptError(_("答案格式无效，请刷新页面。"))
    return data


@never_cache
@require_POST
@json_login_required
def save(request, attempt_id: int):
    try:
        data = _payload(request)
        outcome = save_answers(
            attempt_id=attempt_id, user=request.user, answers=data.get("answers"), device=_device(request)
        )
    except AttemptError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "ok": True,
            "remaining_seconds": outcome.remaining_seconds(),
            # A refused answer carries its reason; accepted: false without one means a newer answer is stored.
            "saved": [
                {"item": r.position, "seq": r.seq, "accepted": r.accepted, **({"error": r.error} if r.error else {})}
                for r in outcome.results
            ],
        }
    )


@never_cache
@require_POST
@json_login_required
def submit(request, attempt_id: int):
    try:
        attempt = submit_attempt(attempt_id=attempt_id, user=request.user, device=_device(request))
    except AttemptError as exc:
        if request.content_type == "application/json":
            return _error(exc)
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
        return redirect("exams:my_exams")
    result_url = reverse("exams:result", args=[attempt.pk])
    if request.content_type == "application/json":
        return JsonResponse({"ok": True, "status": attempt.status, "result_url": result_url})
    return redirect(result_url)


@never_cache
@login_required
def result(request, attempt_id: int):
    attempt = _own_attempt(request, attempt_id)
    if attempt.status == ExamAttempt.Status.IN_PROGRESS:
        if attempt.deadline > timezone.now():
            return redirect("exams:attempt", attempt_id=attempt.pk)
        attempt = submit_attempt(attempt_id=attempt.pk, user=request.user)
    rights = review_rights(attempt)
    items = review_items(attempt, show_key=rights.key) if rights.responses else []
    summary = attempts_summary(attempt.exam, request.user)
    return render(
        request,
        "exams/result.html",
        {
            "attempt": attempt,
            "exam": attempt.exam,
            "rights": rights,
            "items": items,
            "wrong": [i for i in items if i.outcome in ("wrong", "partial")],
            "retake": retake_for(attempt.exam, request.user, summary),
        },
    )


@never_cache
@require_POST
@json_login_required
def events(request, attempt_id: int):
    """What the integrity options saw (leaving the page, leaving full screen, blocked copying), with unsent answers."""
    try:
        data = _payload(request)
        outcome = record_events(
            attempt_id=attempt_id,
            user=request.user,
            events=data.get("events"),
            answers=data.get("answers") or None,
            device=_device(request),
        )
    except AttemptError as exc:
        return _error(exc)
    return JsonResponse(
        {
            "ok": True,
            "leaves": outcome.leaves,
            "limit": outcome.limit,
            "closed": outcome.closed,
            "result_url": reverse("exams:result", args=[attempt_id]),
        }
    )


@never_cache
@require_http_methods(["GET", "POST"])
@json_login_required
def ping(request):
    """The server clock, as bare as an authenticated JSON view gets.

    The load test (bench/exam_load.py) compares the save endpoint's throughput with
    this view's: a POST here pays for the session, the CSRF check and parsing the same
    JSON body, and nothing else.
    """
    if request.method == "POST":
        try:
            _payload(request)
        except AttemptError as exc:
            return _error(exc)
    return JsonResponse({"ok": True, "now": timezone.now().isoformat()})
