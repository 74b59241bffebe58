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
    flagged: bool = False
    score: object = None
    feedback: str = ""
    accepted_answers: list[str] = field(default_factory=list)
    explanation: str = ""

    @property
    def answered(self) -> bool:
        return bool(self.text) if self.qtype in TEXT_TYPES else any(o.chosen for o in self.options)

    @property
    def outcome(self) -> str:
        """How a graded answer fared — right, partly right, wrong, or not yet graded — from its score alone.

        The score is shown under every review policy that shows answers, so this tells nothing about the key.
        """
        if self.score is None:
            return "pending"
        if self.score >= self.points:
            return "right"
        return "partial" if self.score > 0 else "wrong"


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
)


def _rows(attempt: ExamAttempt, *extra: str):
    return AttemptQuestion.objects.filter(attempt=attempt).order_by("position").values_list(*PAGE_FIELDS, *extra)


def _type_labels() -> dict[str, str]:
    """Each type's label in the request's language, translated once per page rather than once per question."""
    return {value: str(label) for value, label in QuestionType.choices}


def _page_item(row, labels: dict[str, str]) -> PageItem:
    position, qtype, option_order, points, stem, options, response, seq, flagged = row[: len(PAGE_FIELDS)]
    page = PageItem(
        position=position,
        qtype=qtype,
        qtype_label=labels[qtype],
        stem=stem,
        points=points,
        seq=seq,
        saved=seq > 0,
        flagged=flagged,
    )
    if qtype in TEXT_TYPES:
        page.text = response or ""
    else:
        texts = {o["key"]: o.get("text", "") for o in options}
        chosen = response_to_client(qtype, option_order, response)
        chosen_set = set(chosen if isinstance(chosen, list) else ([] if chosen is None else [chosen]))
        page.options = [
            PageOption(index=i, label=LETTERS[i], text=texts.get(key, ""), chosen=i in chosen_set)
            for i, key in enumerate(option_order)
        ]
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
        page.score, page.feedback, accepted_answers, explanation = row[len(PAGE_FIELDS) :]
        if show_key:
            reveal_key(
                page, option_order=row[2], options=row[5], accepted_answers=accepted_answers, explanation=explanation
            )
        pages.append(page)
    return pages


def question_item(
    *, position: int, qtype: str, option_order: list[str], points, stem: str, options: list[dict], response=None
) -> PageItem:
    """One question as the exam pages render it, for pages that are not an attempt (practice, mock papers)."""
    return _page_item((position, qtype, option_order, points, stem, options, response, 0, False), _type_labels())


def reveal_key(page: PageItem, *, option_order: list[str], options: list[dict], accepted_answers, explanation: str):
    """Mark the correct options, the accepted answers and the explanation on a rendered question."""
    correct = {o["key"] for o in options if o.get("correct")}
    for option in page.options:
        option.correct = option_order[option.index] in correct
    page.accepted_answers = list(accepted_answers)
    page.explanation = explanation
