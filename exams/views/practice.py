"""Learner pages for study that never counts: 练习, 错题本 and mock papers (模拟考试)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from exams.selectors.practice import (
    PracticeFilter,
    mistake_book,
    mistake_to_redo,
    mock_page,
    next_question,
    practice_overview,
)
from exams.services.practice import PracticeError, answer_question, start_mock, submit_mock


def _answer_from(post, name: str):
    """What one question's inputs sent: a list for several ticked boxes, else the one value (or None); for a
    multi-part question (parts named ``<name>-<i>``), one value per part in part order ("" for a part left empty)."""
    values = post.getlist(name)
    if values:
        return values if len(values) > 1 else values[0]
    prefix = name + "-"
    parts = {}
    for key in post:
        index = key[len(prefix) :]
        if key.startswith(prefix) and index.isdigit() and len(index) < 4:
            parts[int(index)] = post.get(key, "")
    if not parts:
        return None
    return [parts.get(i, "") for i in range(max(parts) + 1)]


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


@login_required
def practice(request):
    return render(request, "exams/practice.html", {"overview": practice_overview(request.user)})


@never_cache
@login_required
def practice_question(request):
    flt = PracticeFilter.from_query(request.GET)
    current = next_question(flt, after=_int(request.GET.get("after")), pin=_int(request.GET.get("q")))
    return render(
        request,
        "exams/practice_question.html",
        {"current": current, "filter": flt, "query": urlencode(flt.as_query())},
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache
@require_POST
@login_required
def practice_answer(request):
    """Check the answer and show it with the key at once; from the 错题本 the page says so.

    The practice page posts it with ``fetch`` and shows the answer in place (JSON with the rendered
    answer); without JavaScript the form posts and the answer is a page.
    """
    flt = PracticeFilter.from_query(request.POST)
    from_book = request.POST.get("from") == "mistakes"
    question_id, version_id = _int(request.POST.get("question")), _int(request.POST.get("version"))
    as_json = _wants_json(request)
    try:
        if question_id is None or version_id is None:
            raise PracticeError(_("没有找到这道题。"), status=404)
        outcome = answer_question(
            user=request.user, question_id=question_id, version_id=version_id, raw=_answer_from(request.POST, "q1")
        )
    except PracticeError as exc:
        if as_json:
            return JsonResponse({"ok": False, "error": exc.message}, status=exc.status)
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
        if from_book:
            return redirect("exams:mistake_redo", question_id=question_id)
        query = urlencode(flt.as_query() | {"q": str(question_id)})
        return redirect(f"{reverse('exams:practice_question')}?{query}")
    context = {
        "outcome": outcome,
        "from_book": from_book,
        "next_query": urlencode(flt.as_query() | {"after": str(question_id)}),
    }
    if as_json:
        # Without the request: the fragment needs none of the site chrome the context processors add.
        html = render_to_string("exams/includes/practice_result.html", context)
        return JsonResponse({"ok": True, "correct": outcome.correct, "html": html})
    return render(request, "exams/practice_feedback.html", context)


@never_cache
@login_required
def mistakes(request):
    groups, cleared = mistake_book(request.user)
    return render(
        request,
        "exams/mistakes.html",
        {"groups": groups, "cleared": cleared, "count": len({e.question_id for g in groups for e in g.entries})},
    )


@never_cache
@login_required
def mistake_redo(request, question_id: int):
    found = mistake_to_redo(request.user, question_id)
    if found is None:
        messages.info(request, _("这道题已不在错题本中。"))
        return redirect("exams:mistakes")
    version, item = found
    return render(request, "exams/mistake_redo.html", {"version": version, "item": item})


@require_POST
@login_required
def mock_start(request, exam_id: int):
    try:
        mock = start_mock(exam_id=exam_id, user=request.user)
    except PracticeError as exc:
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
        return redirect("exams:exam_detail", exam_id=exam_id)
    return redirect("exams:mock_paper", paper_id=mock.pk)


@never_cache
@login_required
def mock_paper(request, paper_id: int):
    page = mock_page(paper_id, request.user)
    if page is None:
        raise Http404
    return render(request, "exams/mock.html", {"page": page, "paper": page.paper, "exam": page.paper.exam})


@require_POST
@login_required
def mock_submit(request, paper_id: int):
    answers = {}
    for name in request.POST:
        name = name.split("-", 1)[0]
        if name.startswith("q") and name[1:].isdigit() and len(name) < 8:
            answers[int(name[1:])] = _answer_from(request.POST, name)
    try:
        submit_mock(paper_id=paper_id, user=request.user, answers=answers)
    except PracticeError as exc:
        if exc.status == 404:
            raise Http404
        messages.error(request, exc.message)
    return redirect("exams:mock_paper", paper_id=paper_id)
