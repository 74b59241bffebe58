"""Reads of one attempt for the learner: the frozen paper as the page shows it, and the review.

``paper_for_page`` is what the attempt page renders. It deliberately carries no
correctness data at all — no ``correct`` flag, no fraction, no accepted answer, no
explanation — and options appear in the frozen order under their display index,
so neither the HTML nor the JSON of an open attempt can reveal the key.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from exams.models import AttemptQuestion, ExamAttempt, QuestionType
from exams.services.attempts import response_to_client

LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TEXT_TYPES = (QuestionType.FILL, QuestionType.SHORT)


@dataclass
class PageOption:
    index: int
    label: str
    text: str
    chosen: bool = False
    correct: bool | None = None  # filled in only by ``review_items`` when the key may be shown


@dataclass
class PageItem:
    position: int
    qtype: str
    qtype_label: str
    stem: str
    points: object
    options: list[PageOption] = field(default_factory=list)
    text: str = ""
    seq: int = 0
    saved: bool = False
    score: object = None
    feedback: str = ""
    accepted_answers: list[str] = field(default_factory=list)
    explanation: str = ""


def _items(attempt: ExamAttempt):
    return (
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("question_version", "answer")
        .order_by("position")
    )


def _page_item(item: AttemptQuestion) -> PageItem:
    version = item.question_version
    answer = item.answer
    texts = {o["key"]: o.get("text", "") for o in version.options}
    chosen = response_to_client(item.qtype, item.option_order, answer.response)
    chosen_set = set(chosen if isinstance(chosen, list) else ([] if chosen is None else [chosen]))
    page = PageItem(
        position=item.position,
        qtype=item.qtype,
        qtype_label=QuestionType(item.qtype).label,
        stem=version.stem,
        points=item.points,
        seq=answer.seq,
        saved=answer.seq > 0,
    )
    if item.qtype in TEXT_TYPES:
        page.text = answer.response or ""
    else:
        page.options = [
            PageOption(index=i, label=LETTERS[i], text=texts.get(key, ""), chosen=i in chosen_set)
            for i, key in enumerate(item.option_order)
        ]
    return page


def paper_for_page(attempt: ExamAttempt) -> list[PageItem]:
    """The open attempt's questions with the learner's saved answers, and nothing about the key."""
    return [_page_item(item) for item in _items(attempt)]


def review_items(attempt: ExamAttempt, *, show_key: bool) -> list[PageItem]:
    """The closed attempt for the result page; correctness only when ``show_key``."""
    pages = []
    for item in _items(attempt):
        page = _page_item(item)
        page.score = item.answer.score
        page.feedback = item.answer.feedback
        if show_key:
            version = item.question_version
            correct = {o["key"] for o in version.options if o.get("correct")}
            for option in page.options:
                option.correct = item.option_order[option.index] in correct
            page.accepted_answers = list(version.accepted_answers)
            page.explanation = version.explanation
        pages.append(page)
    return pages
