"""Grading per question type: the one home for "how many points is this answer worth".

``grade(version, answer, partial_credit=...)`` returns the score as a Decimal
(0 ≤ score ≤ points, two decimals) for objective types and ``None`` for short
answer, which a person grades.

Answers, as the attempt stores them:

* single choice, true/false: the chosen option key (``"B"``, ``"T"``) or a
  one-element list; true/false also accepts ``True``/``False``;
* multiple choice: a list of keys (order and duplicates ignored);
* fill-in-the-blank: the text typed;
* short answer: the text typed (not graded here).

Partial credit follows Moodle: each option carries a fraction in [-1, 1]; a
single choice scores the chosen option's fraction, a multiple choice the sum of
the chosen options' fractions, clamped to [0, 1]. All-or-nothing gives full
points only for exactly the correct set.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from exams.models import QuestionType, QuestionVersion

CENT = Decimal("0.01")
# Moodle stores 1/3 as 0.3333333: three such options must still add up to full marks.
FRACTION_TOLERANCE = Decimal("0.00001")
_SPACES_RE = re.compile(r"\s+")


def normalise_fill(text: str | None) -> str:
    """Canonical form of a fill-in answer: NFKC (全角→半角), no whitespace, case-folded.

    NFKC maps full-width letters, digits and punctuation (Ａ１，（）) to their
    half-width forms and the ideographic space to a space; all whitespace is then
    removed, because officials type 行政 处罚 and 行政处罚 interchangeably.
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return _SPACES_RE.sub("", text).casefold()


def _keys(answer) -> list[str]:
    if answer is None or answer == "":
        return []
    if isinstance(answer, bool):
        return ["T" if answer else "F"]
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, Iterable):
        return [str(a) for a in answer if a not in (None, "")]
    return [str(answer)]


def _fraction(option: dict) -> Decimal:
    try:
        return Decimal(str(option.get("fraction", "0")))
    except ArithmeticError:
        return Decimal("0")


def _clamp(value: Decimal) -> Decimal:
    if value >= 1 - FRACTION_TOLERANCE:
        return Decimal("1")
    return max(value, Decimal("0"))


def score_fraction(
    qtype: str, options: list[dict], accepted_answers: list[str], answer, *, partial_credit: bool
) -> Decimal | None:
    """The fraction of the points earned (0..1), or ``None`` for manual grading."""
    if qtype == QuestionType.SHORT:
        return None
    if qtype == QuestionType.FILL:
        given = normalise_fill(answer if isinstance(answer, str) else " ".join(_keys(answer)))
        accepted = {normalise_fill(a) for a in accepted_answers}
        return Decimal("1") if given and given in accepted else Decimal("0")
    by_key = {o["key"]: o for o in options}
    chosen = set(_keys(answer))
    if not chosen or not chosen <= by_key.keys():
        return Decimal("0")
    correct = {o["key"] for o in options if o.get("correct")}
    if qtype in (QuestionType.SINGLE, QuestionType.TRUEFALSE):
        if len(chosen) != 1:
            return Decimal("0")
        (key,) = chosen
        if key in correct:
            return Decimal("1")
        return _clamp(_fraction(by_key[key])) if partial_credit else Decimal("0")
    if qtype == QuestionType.MULTIPLE:
        if not partial_credit:
            return Decimal("1") if chosen == correct else Decimal("0")
        return _clamp(sum((_fraction(by_key[k]) for k in chosen), Decimal("0")))
    raise ValueError(f"unknown question type {qtype!r}")


def grade(version: QuestionVersion, answer, *, partial_credit: bool, points: Decimal | None = None):
    """Score ``answer`` against ``version``; ``points`` overrides the version's (exam rules).

    Returns ``Decimal`` rounded to cents, or ``None`` for short answer.
    """
    fraction = score_fraction(
        version.question.type,
        version.options,
        version.accepted_answers,
        answer,
        partial_credit=partial_credit,
    )
    if fraction is None:
        return None
    total = version.points if points is None else points
    return (Decimal(total) * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def is_correct(version: QuestionVersion, answer) -> bool | None:
    """Whether the answer earns full marks under all-or-nothing (statistics, review)."""
    fraction = score_fraction(
        version.question.type, version.options, version.accepted_answers, answer, partial_credit=False
    )
    return None if fraction is None else fraction == 1
