"""Reads of one attempt for the learner: the frozen paper as the page shows it, and the review.

``paper_for_page`` is what the attempt page renders. It deliberately carries no
correctness data at all — no ``correct`` flag, no fraction, no accepted answer, no
explanation — and options appear in the frozen order under their display index,
so neither the HTML nor the JSON of an open attempt can reveal the key.
"""

from __future__ import annotations

from exams import qtypes
from exams.models import AttemptQuestion, ExamAttempt
from exams.qtypes.base import LETTERS, PageItem, PageOption, PagePart  # noqa: F401  (the page's vocabulary)

#: What the page needs of each frozen question, read as plain values: one row per question
#: and no model instances (a paper of 100 questions is 100 tuples, not 300 objects).
PAGE_FIELDS = (
    "position",
    "qtype",
    "option_order",
    "points",
    "question_version__stem",
    "question_version__options",
    "answer__response",
    "answer__seq",
    "answer__flagged",
)
REVIEW_FIELDS = (
    "answer__score",
    "answer__feedback",
    "question_version__accepted_answers",
    "question_version__explanation",
    "question_version__data",
)


def _rows(attempt: ExamAttempt, *extra: str):
    return AttemptQuestion.objects.filter(attempt=attempt).order_by("position").values_list(*PAGE_FIELDS, *extra)


def _type_labels() -> dict[str, str]:
    """Each type's label in the request's language, translated once per page rather than once per question."""
    return {value: str(label) for value, label in qtypes.type_choices()}


def _page_item(row, labels: dict[str, str]) -> PageItem:
    position, qtype, option_order, points, stem, options, response, seq, flagged = row[: len(PAGE_FIELDS)]
    kind = qtypes.get(qtype)
    page = PageItem(
        position=position,
        qtype=qtype,
        qtype_label=labels[qtype],
        stem=stem,
        points=points,
        seq=seq,
        saved=seq > 0,
        flagged=flagged,
        input_template=kind.input_template,
        review_template=kind.review_template,
        answer_kind=kind.answer_kind,
    )
    kind.build_page(page, option_order=option_order or [], options=options or [], response=response)
    return page


def paper_for_page(attempt: ExamAttempt) -> list[PageItem]:
    """The open attempt's questions with the learner's saved answers, and nothing about the key."""
    labels = _type_labels()
    return [_page_item(row, labels) for row in _rows(attempt)]


def review_items(attempt: ExamAttempt, *, show_key: bool) -> list[PageItem]:
    """The closed attempt for the result page; correctness only when ``show_key``."""
    labels = _type_labels()
    pages = []
    for row in _rows(attempt, *REVIEW_FIELDS):
        page = _page_item(row, labels)
        page.score, page.feedback, accepted_answers, explanation, data = row[len(PAGE_FIELDS) :]
        if show_key:
            reveal_key(
                page,
                option_order=row[2],
                options=row[5],
                accepted_answers=accepted_answers,
                explanation=explanation,
                data=data,
            )
        pages.append(page)
    return pages


def question_item(
    *, position: int, qtype: str, option_order: list[str], points, stem: str, options: list[dict], response=None
) -> PageItem:
    """One question as the exam pages render it, for pages that are not an attempt (practice, mock papers)."""
    return _page_item((position, qtype, option_order, points, stem, options, response, 0, False), _type_labels())


def reveal_key(
    page: PageItem, *, option_order: list[str], options: list[dict], accepted_answers, explanation: str, data=None
):
    """Mark the key (the question's type decides what that is) and the explanation on a rendered question."""
    qtypes.get(page.qtype).reveal(
        page, option_order=option_order, options=options, accepted=list(accepted_answers), data=data or {}
    )
    page.explanation = explanation
