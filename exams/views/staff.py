"""Trainer / HR pages (results and statistics) and the graders' queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from exams.selectors import stats
from exams.selectors.grading import grader_exams, is_grader, pending_answers
from exams.selectors.integrity import event_counts, exam_integrity
from exams.services.attempts import AttemptError, grade_answer

LEVELS = (1, 2, 3, 4)


def _require_stats(user) -> None:
    if not stats.can_view_stats(user):
        raise PermissionDenied


@login_required
def stats_index(request):
    _require_stats(request.user)
    exams = stats.stats_exams(request.user).order_by("-opens_at", "-pk")
    return render(request, "exams/stats_index.html", {"exams": exams[:200]})


def _level(request) -> int:
    try:
        level = int(request.GET.get("level", 2))
    except ValueError:
        level = 2
    return level if level in LEVELS else 2


@login_required
def stats_exam(request, exam_id: int):
    _require_stats(request.user)
    exam = get_object_or_404(stats.stats_exams(request.user), pk=exam_id)
    level = _level(request)
    rows = stats.attempt_rows(request.user, exam)
    counted = stats.counted_rows(rows, exam)
    first = stats.first_rows(rows)
    distribution = stats.distribution(counted)
    return render(
        request,
        "exams/stats_exam.html",
        {
            "exam": exam,
            "level": level,
            "levels": LEVELS,
            "summary": stats.summary(request.user, exam, counted),
            "distribution": distribution,
            "chart": {"labels": [d["label"] for d in distribution], "counts": [d["count"] for d in distribution]},
            "units": stats.by_unit(counted, level=level),
            "questions": stats.question_statistics(first),
            "articles": stats.articles_by_unit(counted, level=level),
            "people": stats.people_results(request.user, exam, counted),
            "sees_all": stats.sees_all_attempts(request.user),
            "integrity": exam_integrity(request.user, exam),
        },
    )


@login_required
def grading_queue(request):
    if not is_grader(request.user):
        raise PermissionDenied
    exam_id = request.GET.get("exam")
    exam_id = int(exam_id) if exam_id and exam_id.isdigit() else None
    answers = pending_answers(request.user, exam_id=exam_id)
    events = event_counts({a.item.attempt_id for a in answers})
    for answer in answers:
        answer.integrity = events.get(answer.item.attempt_id, [])
    return render(
        request,
        "exams/grading_queue.html",
        {"exams": grader_exams(request.user), "answers": answers, "exam_id": exam_id},
    )


@require_POST
@login_required
def grade(request, item_id: int):
    try:
        grade_answer(
            item_id=item_id,
            grader=request.user,
            score=request.POST.get("score", ""),
            feedback=request.POST.get("feedback", ""),
        )
    except AttemptError as exc:
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
    else:
        messages.success(request, _("已保存评分。"))
    target = request.POST.get("next") or ""
    return redirect(target if target.startswith("/exams/grading/") else "exams:grading_queue")
