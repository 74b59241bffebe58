"""Endpoints an open lesson page talks to: heartbeats and the check question.

Both take JSON (``fetch``) or form data (``navigator.sendBeacon`` and the no-script
form) and answer JSON, except a no-script form post, which is redirected back to
the lesson with a message.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import payload
from core.middleware import wants_json
from learning.services.progress import ProgressError, answer_check, record_heartbeat
from learning.services.video_progress import parse_video_positions, record_video_positions

TRUE_VALUES = {True, "1", "true", "True", "on", "yes"}


def _payload(request) -> dict:
    """The posted fields; JSON too deep, too large or with a NUL raises ``BadRequest`` (a 400), never a 500."""
    if request.content_type == "application/json":
        try:
            data = payload.loads(request.body or b"{}")
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}
    return request.POST.dict()


def _unauthenticated() -> JsonResponse:
    return JsonResponse({"error": _("请先登录。")}, status=401)


@require_POST
def heartbeat(request):
    if not request.user.is_authenticated:
        return _unauthenticated()
    data = _payload(request)
    try:
        video = parse_video_positions(data.get("video"))
    except ProgressError as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    try:
        state = record_heartbeat(
            user=request.user,
            lesson_id=data.get("lesson"),
            visible=data.get("visible") in TRUE_VALUES,
            claim=data.get("claim") in TRUE_VALUES,
        )
    except ProgressError as exc:
        return JsonResponse({"error": str(exc)}, status=404)
    if video:
        record_video_positions(user=request.user, lesson_id=int(data["lesson"]), positions=video)
    return JsonResponse(state.as_json())


@require_POST
def check_answer(request):
    if not request.user.is_authenticated:
        return _unauthenticated()
    data = _payload(request)
    as_json = wants_json(request)
    try:
        result = answer_check(user=request.user, lesson_id=data.get("lesson"), choice=data.get("choice"))
    except ProgressError as exc:
        if as_json:
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
        return HttpResponseRedirect(request.headers.get("Referer") or "/")
    if as_json:
        return JsonResponse({"correct": result.correct, "explanation": result.explanation, **result.state.as_json()})
    if result.correct:
        messages.success(request, _("回答正确。") + (f" {result.explanation}" if result.explanation else ""))
    else:
        messages.error(request, _("回答不正确，请再想一想。"))
    return HttpResponseRedirect(f"{result.lesson.url}#check")


@require_POST
def bench_ping(request):
    """A bare authenticated JSON endpoint (only routed when ``BENCH_VIEWS_ENABLED``) for bench/heartbeat.py."""
    if not request.user.is_authenticated:
        return _unauthenticated()
    return JsonResponse({"ok": True, "echo": _payload(request).get("lesson")})
