"""Grading: the one home for "how many points is this answer worth", by asking the question's type.

``grade(version, answer, partial_credit=...)`` returns the score as a Decimal
(0 ≤ score ≤ points, two decimals), or ``None`` for a type a person grades
(short answer). Each type (``exams.qtypes``) says how it scores an answer; the
answers as the attempt stores them are described there.

Partial credit follows Moodle: a choice option carries a fraction in [-1, 1]; a
single choice scores the chosen option's fraction, a multiple choice the sum of
the chosen options' fractions, clamped to [0, 1]; multi-part types score their
parts. All-or-nothing gives full points only for a wholly right answer.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from exams import qtypes
from exams.qtypes.base import CENT, normalise_fill  # noqa: F401  (normalise_fill: the grading vocabulary)


def score_fraction(
    qtype: str, options: list[dict], accepted_answers: list[str], answer, *, partial_credit: bool, data=None
) -> Decimal | None:
    """The fraction of the points earned (0..1), or ``None`` for manual grading."""
    try:
        kind = qtypes.get(qtype)
    except KeyError:
        raise ValueError(f"unknown question type {qtype!r}") from None
    return kind.score(
        options=options, accepted=accepted_answers, data=data or {}, response=answer, partial_credit=partial_credit
    )


def grade(version, answer, *, partial_credit: bool, points: Decimal | None = None):
    """Score ``answer`` against ``version``; ``points`` overrides the version's (exam rules).

    Returns ``Decimal`` rounded to cents, or ``None`` for short answer.
    """
    fraction = score_fraction(
        version.question.type,
        version.options,
        version.accepted_answers,
        answer,
        partial_credit=partial_credit,
        data=version.data,
    )
    if fraction is None:
        return None
    total = version.points if points is None else points
    return (Decimal(total) * fraction).quantize(CENT, rounding=ROUND_HALF_UP)


def is_correct(version, answer) -> bool | None:
    """Whether the answer earns full marks under all-or-nothing (statistics, review)."""
    fraction = score_fraction(
        version.question.type,
        version.options,
        version.accepted_answers,
        answer,
        partial_credit=False,
        data=version.data,
    )
    return None if fraction is None else fraction == 1
