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

from exams import qtypes
from exams.models import QuestionType
from exams.services.questions import ensure_category, save_question


@dataclass
class Sample:
    stem: str
    answer: tuple
    fields: dict = field(default_factory=dict)
    points: Decimal = Decimal("2")
    #: The bank editor's 答案设置 text, read by the type (instead of ``fields``).
    editor: str = ""


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
    QuestionType.GAPSELECT: Sample(
        "<p>对违法行为可以处[[1]]；情节较重的，处[[2]]。</p>",
        ("parts", [("select", "警告"), ("select", "罚款")]),
        editor="警告\n罚款\n拘留",
    ),
    QuestionType.DDWTOS: Sample(
        "<p>行政机关实施行政处罚，应当遵循[[1]]、[[2]]的原则。</p>",
        ("parts", [("select", "公正"), ("select", "公开")]),
        editor="公正\n公开\n保密",
    ),
    QuestionType.CLOZE: Sample(
        "<p>行政处罚由违法行为发生地的{#1}以上地方人民政府具有行政处罚权的行政机关管辖；"
        "当事人应当自收到行政处罚决定书之日起{#2}日内缴纳罚款；行政处罚应当{#3}。</p>",
        ("parts", [("type", "县级"), ("type", "１５"), ("select", "公开")]),
        editor="{#1}：{1:SHORTANSWER:=县级}\n{#2}：{1:NUMERICAL:=15:0}\n{#3}：{1:MULTICHOICE:=公开~保密}",
    ),
    QuestionType.ORDERING: Sample(
        "<p>按一般程序作出行政处罚决定，下列步骤的先后顺序是？</p>",
        ("order", ["立案", "调查取证", "告知陈述申辩权利", "作出处罚决定"]),
        editor="评分方式：全对才得分\n立案\n调查取证\n告知陈述申辩权利\n作出处罚决定",
    ),
    QuestionType.MATCHING: Sample(
        "<p>将下列行政处罚与其种类对应起来。</p>",
        ("parts", [("select", "申诫罚"), ("select", "财产罚"), ("select", "人身罚")]),
        editor="警告 -> 申诫罚\n罚款 -> 财产罚\n行政拘留 -> 人身罚\n-> 行为罚",
    ),
}


def make_sample(name: str, *, category: str = "法律知识/各种题型"):
    sample = SAMPLES[name]
    fields = dict(sample.fields)
    if sample.editor:
        options, accepted, data = qtypes.get(name).parse_editor(sample.editor)
        fields.update(options=options, accepted_answers=accepted, data=data)
    return save_question(
        category=ensure_category(category),
        qtype=name,
        stem=sample.stem,
        points=sample.points,
        name=f"样题·{name}",
        **fields,
    )
