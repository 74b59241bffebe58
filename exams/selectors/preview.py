"""Previews of the bank for trainers: one question, or a whole exam paper, as the learner would see it.

A preview renders the same ``PageItem`` the attempt page renders (``exams/includes/question.html``)
but reads only the bank: it starts no attempt and writes no row. A paper drawn by rules is drawn
with the attempt's own ``draw_paper`` (one sample draw per request), so what the trainer sees is
what the drawing rules would give a learner.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass, field
from decimal import Decimal

from exams import qtypes
from exams.models import Exam, Question, QuestionVersion
from exams.selectors.attempts import PageItem, question_item
from exams.selectors.practice import practice_order
from exams.services.attempts import AttemptError, FrozenItem, draw_paper


@dataclass
class PreviewItem:
    """A question as the learner sees it (``page``), with what only the trainer sees beside it."""

    page: PageItem
    question_id: int
    name: str
    version_number: int
    answer: str
    explanation: str


@dataclass
class PaperPreview:
    items: list[PreviewItem] = field(default_factory=list)
    total_points: Decimal = Decimal(0)
    #: Why no paper can be drawn now (the message a learner starting the exam would get), or "".
    problem: str = ""


def _answer(qtype: str, option_order: list[str], options: list[dict], accepted: list[str], data: dict) -> str:
    return qtypes.get(qtype).key_text(option_order=option_order, options=options, accepted=accepted, data=data or {})


def _item(position: int, frozen: FrozenItem, version: dict) -> PreviewItem:
    qtype = frozen.qtype
    page = question_item(
        position=position,
        qtype=qtype,
        option_order=frozen.option_order,
        points=frozen.points,
        stem=version["stem"],
        options=version["options"],
    )
    return PreviewItem(
        page=page,
        question_id=version["question_id"],
        name=version["question__name"],
        version_number=version["number"],
        answer=_answer(qtype, frozen.option_order, version["options"], version["accepted_answers"], version["data"]),
        explanation=version["explanation"],
    )


_VERSION_FIELDS = (
    "pk",
    "stem",
    "options",
    "accepted_answers",
    "explanation",
    "data",
    "number",
    "question_id",
    "question__name",
)


def _items(frozen: list[FrozenItem]) -> list[PreviewItem]:
    versions = {
        v["pk"]: v
        for v in QuestionVersion.objects.filter(pk__in=[f.version_id for f in frozen]).values(*_VERSION_FIELDS)
    }
    return [_item(i, f, versions[f.version_id]) for i, f in enumerate(frozen, start=1)]


def question_preview(question: Question) -> PreviewItem | None:
    """The question's current version in its stored option order (``None``: it has no content yet)."""
    version = question.current_version
    if version is None:
        return None
    keys = practice_order(version, question.type)
    frozen = FrozenItem(version.pk, question.type, keys, Decimal(version.points))
    values = {
        "stem": version.stem,
        "options": version.options,
        "accepted_answers": version.accepted_answers,
        "explanation": version.explanation,
        "data": version.data,
        "number": version.number,
        "question_id": question.pk,
        "question__name": question.name,
    }
    return _item(1, frozen, values)


def paper_preview(exam: Exam, *, rng=None) -> PaperPreview:
    """The exam's paper without an attempt: a fixed paper in its order, a ruled paper as one sample draw.

    Questions and options are shown unshuffled (the order trainers set); each attempt shuffles them
    as the exam says. Nothing is written.
    """
    unshuffled = copy.copy(exam)
    unshuffled.shuffle_questions = False
    unshuffled.shuffle_options = False
    try:
        frozen = draw_paper(unshuffled, rng or secrets.SystemRandom())
    except AttemptError as exc:
        return PaperPreview(problem=exc.message)
    items = _items(frozen)
    return PaperPreview(items=items, total_points=sum((f.points for f in frozen), Decimal(0)))
