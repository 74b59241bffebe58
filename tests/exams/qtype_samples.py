"""One sample question of every question type, with how a learner answers it right on the page.

Used by the browser test that answers every type at 375 px (``tests/browser/test_qtypes_browser.py``) and by
the sweep that every registered type has a sample: a new type adds its sample here.

``answer`` describes the learner's actions: ``("choose", [option texts])``, ``("type", text)``,
``("parts", [("select" | "radio", choice text) or ("type", text) per part])`` or ``("order", [item texts in
the right order])``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from exams.models import QuestionType
from exams.services.questions import ensure_category, save_question


@dataclass
class Sample:
    stem: str
    answer: tuple
    fields: dict = field(default_factory=dict)
    points: Decimal = Decimal("2")


SAMPLES: dict[str, Sample] = {
    QuestionType.SINGLE: Sample(
        "<p>行政处罚决定书应当盖有什么？</p>",
        ("choose", ["作出决定的行政机关印章"]),
        {"options": [{"text": "当事人签名", "correct": False}, {"text": "作出决定的行政机关印章", "correct": True}]},
    ),
    QuestionType.MULTIPLE: Sample(
        "<p>下列属于行政处罚种类的有？</p>",
        ("choose", ["警告", "罚款"]),
        {
            "options": [
                {"text": "警告", "correct": True},
                {"text": "罚款", "correct": True},
                {"text": "记过", "correct": False},
            ]
        },
    ),
    QuestionType.TRUEFALSE: Sample(
        "<p>行政处罚应当公开。</p>", ("choose", ["正确"]), {"options": [{"key": "T", "correct": True}]}
    ),
    QuestionType.FILL: Sample(
        "<p>行政处罚遵循____、公开的原则。</p>", ("type", "公正"), {"accepted_answers": ["公正"]}
    ),
    QuestionType.SHORT: Sample(
        "<p>简述行政处罚的原则。</p>", ("type", "公正、公开。"), {"accepted_answers": ["公正、公开。"]}
    ),
    QuestionType.NUMERICAL: Sample(
        "<p>违法所得数额为 1.5 万元，按五倍罚款，应罚多少万元？</p>",
        ("type", "7.5"),
        {"data": {"answers": [{"value": "7.5", "tolerance": "0", "fraction": "1"}]}},
    ),
}


def make_sample(name: str, *, category: str = "法律知识/各种题型"):
    sample = SAMPLES[name]
    return save_question(
        category=ensure_category(category),
        qtype=name,
        stem=sample.stem,
        points=sample.points,
        name=f"样题·{name}",
        **sample.fields,
    )
