"""完形填空题 (Moodle's embedded answers, ``qtype_multianswer``): codes, storage, the page, grading and formats."""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from exams import qtypes
from exams.formats import moodle_xml, xlsx
from exams.models import AttemptAnswer, DuplicatePolicy, ExamAttempt, Question
from exams.qtypes.base import BadAnswer, PageItem
from exams.qtypes.cloze import text_matches
from exams.selectors.attempts import paper_for_page
from exams.services.attempts import draw_paper, save_answers, start_attempt, submit_attempt
from exams.services.practice import answer_question
from exams.services.question_import import export_questions, import_questions
from exams.services.questions import build_content, save_question, validate_content
from tests.exams.factories_questions import editor_form
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db
CLOZE = qtypes.get("cloze")
MOODLE_DIR = Path(__file__).resolve().parent / "data" / "moodle"

STEM = "<p>违法行为轻微并及时改正，没有造成危害后果的，{#1}行政处罚。罚款为{#2}元，由{#3}机关管辖。</p>"
CODES = [
    "{1:SHORTANSWER:=不予#对~%50%不*#部分}",
    "{2:NUMERICAL:=200:10~%50%300:0}",
    "{1:MULTICHOICE_S:=县级以上~乡镇~%50%市级}",
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _content(stem=STEM, codes=CODES):
    return build_content(qtype="cloze", stem=stem, options=[{"code": c} for c in codes], points="4")


def _question(**kwargs) -> Question:
    category = kwargs.pop("cat", None) or f.category()
    content = _content(**kwargs)
    return save_question(
        category=category,
        qtype="cloze",
        stem=content.stem,
        options=content.options,
        points=content.points,
        explanation="<p>解析</p>",
        name="完形1",
    )


def _options():
    return _content().options


def _score(response, partial_credit=True, options=None):
    return CLOZE.score(
        options=options or _options(), accepted=[], data={}, response=response, partial_credit=partial_credit
    )


# --- codes and storage -------------------------------------------------------------


def test_codes_become_parts_and_choices_with_kinds_weights_and_fractions():
    options = _options()
    by_key = {o["key"]: o for o in options}
    assert [o["key"] for o in options] == ["P1.t", "P2.t", "P3.3", "C3.1", "C3.2", "C3.3"]
    assert by_key["P1.t"]["kind"] == "shortanswer" and by_key["P1.t"]["case"] is False
    assert by_key["P1.t"]["answers"] == [{"text": "不予", "fraction": "1"}, {"text": "不*", "fraction": "0.5"}]
    assert by_key["P2.t"]["kind"] == "numerical" and by_key["P2.t"]["weight"] == 2
    assert by_key["P2.t"]["answers"] == [
        {"value": "200", "tolerance": "10", "fraction": "1"},
        {"value": "300", "tolerance": "0", "fraction": "0.5"},
    ]
    assert by_key["P3.3"]["widget"] == "select" and by_key["P3.3"]["moodle"] == "MULTICHOICE_S"
    assert [(o["text"], o["fraction"], o["shuffle"], o["group"]) for o in options[3:]] == [
        ("县级以上", "1", "always", 3),
        ("乡镇", "0", "always", 3),
        ("市级", "0.5", "always", 3),
    ]


@pytest.mark.parametrize(
    ("code", "kind", "widget", "shuffle"),
    [
        ("{1:MC:=甲~乙}", "MULTICHOICE", "select", "never"),
        ("{1:MCV:=甲~乙}", "MULTICHOICE_V", "radio", "never"),
        ("{1:MULTICHOICE_H:=甲~乙}", "MULTICHOICE_H", "radio", "never"),
        ("{1:MCVS:=甲~乙}", "MULTICHOICE_VS", "radio", "always"),
        ("{1:MULTICHOICE_HS:=甲~乙}", "MULTICHOICE_HS", "radio", "always"),
    ],
)
def test_short_forms_and_layouts(code, kind, widget, shuffle):
    options = _content(stem="<p>{#1}</p>", codes=[code]).options
    assert options[0]["moodle"] == kind and options[0]["widget"] == widget
    assert {o["shuffle"] for o in options[1:]} == {shuffle}


def test_empty_weight_is_one_and_sac_is_case_sensitive():
    (part,) = _content(stem="<p>{#1}</p>", codes=["{:SAC:=GB/T}"]).options
    assert part["weight"] == 1 and part["case"] is True and part["moodle"] == "SHORTANSWER_C"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("{1:MULTICHOICE:=甲}", "第 2 空 {1:MULTICHOICE:=甲}：选择类子问题至少需要 2 个选项。"),
        ("{1:SHORTANSWER:%50%甲}", "第 2 空 {1:SHORTANSWER:%50%甲}：没有得分为 100% 的答案，无法得满分。"),
        ("{1:NUMERICAL:=十}", "第 2 空 {1:NUMERICAL:=十}：数值子问题的答案必须是数字（如 -1.234、3e8）或 *。"),
        ("{1:FOO:=甲}", "第 2 空 {1:FOO:=甲}：未知的子问题类型 FOO。"),
        ("{1:SHORTANSWER:=甲~=甲", "第 2 空 {1:SHORTANSWER:=甲~=甲：不是嵌入式答案代码"),
        ("{1:MULTIRESPONSE:=甲~=乙}", "第 2 空 {1:MULTIRESPONSE:=甲~=乙}：多选子问题（MULTIRESPONSE）本平台不支持"),
    ],
)
def test_malformed_codes_are_refused_naming_the_blank(code, message):
    with pytest.raises(ValidationError) as exc:
        _content(stem="<p>{#1}{#2}</p>", codes=["{1:SA:=对}", code])
    assert exc.value.message_dict["options"][0].startswith(message)


def test_stem_placeholders_must_match_the_blanks():
    content = _content(stem="<p>{#1}，{#3}，{#3}，{#4}</p>")
    with pytest.raises(ValidationError) as exc:
        validate_content("cloze", content)
    assert exc.value.message_dict["stem"] == [
        "题干中缺少第 2 空的占位 {#2}。",
        "题干中第 3 空的占位 {#3} 出现了不止一次。",
        "题干中的 {#4} 没有对应的答案设置（共 3 空）。",
    ]
    inline = build_content(qtype="cloze", stem="<p>{1:SA:=甲}{#1}</p>", options=[{"code": "{1:SA:=甲}"}])
    with pytest.raises(ValidationError) as exc:
        validate_content("cloze", inline)
    assert "{1:SA:=甲} 是嵌入式答案代码" in exc.value.message_dict["stem"][0]


def test_the_editor_text_round_trips_and_names_the_line():
    content = _content()
    text = CLOZE.editor_text(stem=content.stem, options=content.options, accepted=[], data={})
    assert text.splitlines() == [
        "{#1}：{1:SHORTANSWER:=不予~%50%不*}",
        "{#2}：{2:NUMERICAL:=200:10~%50%300:0}",
        "{#3}：{1:MULTICHOICE_S:=县级以上~乡镇~%50%市级}",
    ]
    options, accepted, data = CLOZE.parse_editor(text)
    again = build_content(qtype="cloze", stem=content.stem, options=options, points="4")
    assert again == content
    # A bare code per line is blank 1, 2… in turn.
    assert CLOZE.parse_editor("{1:SA:=甲}\n\n{1:MC:=乙~丙}")[0] == [{"code": "{1:SA:=甲}"}, {"code": "{1:MC:=乙~丙}"}]
    with pytest.raises(ValueError, match=r"第 2 行：应是第 2 空 \{#2\} 的代码，现为 \{#3\}"):
        CLOZE.parse_editor("{#1}：{1:SA:=甲}\n{#3}：{1:SA:=乙}")
    with pytest.raises(ValueError, match=r"第 3 行：第 2 空 \{1:MC:=乙\}：选择类子问题至少需要 2 个选项"):
        CLOZE.parse_editor("{1:SA:=甲}\n\n{1:MC:=乙}")
    with pytest.raises(ValueError, match="答案设置为空"):
        CLOZE.parse_editor("  \n")


def _admin_data(category, **overrides):
    form = editor_form(
        category,
        "cloze",
        name="后台完形",
        stem="违法行为轻微的，{#1}行政处罚；罚款{#2}元；由{#3}机关管辖。",
        answer_spec="\n".join(f"{{#{n}}}：{code}" for n, code in enumerate(CODES, start=1)),
        points="4",
    )
    return {**form, **overrides}


def test_the_bank_editor_saves_a_cloze_and_shows_its_codes_again(trainer, client_for):
    category = f.category()
    client = client_for(trainer)
    response = client.post(reverse("exams_questions:add"), _admin_data(category))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(name="后台完形")
    assert question.type == "cloze"
    assert [o["key"] for o in question.current_version.options][:3] == ["P1.t", "P2.t", "P3.3"]
    page = client.get(reverse("exams_questions:edit", args=[question.pk])).content.decode()
    assert "{#2}：{2:NUMERICAL:=200:10~%50%300:0}" in page


def test_the_bank_editor_names_the_broken_blank_and_saves_nothing(trainer, client_for):
    data = _admin_data(f.category(), answer_spec="{#1}：{1:SA:=不予}\n{#2}：{1:MC:=甲}\n{#3}：{1:NM:=1}")
    response = client_for(trainer).post(reverse("exams_questions:add"), data)
    assert response.status_code == 200
    assert "第 2 行：第 2 空 {1:MC:=甲}：选择类子问题至少需要 2 个选项。" in response.content.decode()
    missing = _admin_data(f.category(), stem="只有{#1}和{#2}")
    response = client_for(trainer).post(reverse("exams_questions:add"), missing)
    assert "题干中缺少第 3 空的占位 {#3}。" in response.content.decode()
    assert not Question.objects.exists()


# --- matching and grading ----------------------------------------------------------


def test_short_answer_matching_is_moodles_with_our_width_and_space_tolerance():
    assert text_matches("ＡＢＣ  def", "abc*", case=False)
    assert not text_matches("ABC", "abc", case=True)
    assert text_matches("a*b", "a\\*b", case=False) and not text_matches("axb", "a\\*b", case=False)
    assert text_matches("行政 处罚", "行政处罚", case=False)
    assert not text_matches("不予行政处罚", "不予", case=False)  # the whole answer, as Moodle


def test_per_blank_grading_with_weights_numeric_tolerance_and_choice_fractions():
    assert _score({"P1.t": "不予", "P2.t": "205", "P3.3": "C3.1"}) == 1
    # Blank 2 weighs 2 of 4: 300 (50%) within no tolerance; 211 is out of ±10.
    assert _score({"P1.t": "不予", "P2.t": "300", "P3.3": "C3.1"}) == Decimal("0.75")
    assert _score({"P1.t": "不予", "P2.t": "211", "P3.3": "C3.1"}) == Decimal("0.5")
    # Wildcard answer 不* gives 50%, the partly right choice 市级 50%.
    assert _score({"P1.t": "不得", "P2.t": "200", "P3.3": "C3.3"}) == Decimal("0.75")
    assert _score({"P2.t": "２００"}) == Decimal("0.5")
    assert _score(None) == 0 and _score({}) == 0
    # A choice of another blank's group earns nothing.
    assert _score({"P3.3": "C9.1"}) == 0


def test_all_or_nothing_gives_full_marks_only_when_every_blank_is_right():
    assert _score({"P1.t": "不予", "P2.t": "195", "P3.3": "C3.1"}, partial_credit=False) == 1
    assert _score({"P1.t": "不予", "P2.t": "300", "P3.3": "C3.1"}, partial_credit=False) == 0


def test_part_outcomes_per_blank():
    outcomes = CLOZE.part_outcomes(options=_options(), accepted=[], data={}, response={"P1.t": "不是", "P3.3": "C3.2"})
    assert [(o.label, o.fraction, o.response) for o in outcomes] == [
        ("（1）", Decimal("0.5"), "不是"),
        ("（2）", Decimal(0), ""),
        ("（3）", Decimal(0), "乡镇"),
    ]


# --- the page ---------------------------------------------------------------------------


def test_shuffled_choices_stay_within_their_blank_and_parts_keep_their_order():
    options = _options()
    orders = {tuple(CLOZE.freeze(options, shuffle_options=False, rng=random.Random(seed))) for seed in range(30)}
    assert len(orders) > 1
    for order in orders:
        assert order[:3] == ("P1.t", "P2.t", "P3.3") and sorted(order[3:]) == ["C3.1", "C3.2", "C3.3"]
    unshuffled = _content(stem="<p>{#1}</p>", codes=["{1:MC:=甲~乙~丙}"]).options
    assert {tuple(CLOZE.freeze(unshuffled, shuffle_options=True, rng=random.Random(s))) for s in range(20)} == {
        ("P1.1", "C1.1", "C1.2", "C1.3")
    }


def test_build_page_numbers_the_blanks_and_holds_no_key():
    options = _options()
    order = ["P1.t", "P2.t", "P3.3", "C3.3", "C3.1", "C3.2"]
    page = PageItem(position=1, qtype="cloze", qtype_label="完形填空题", stem=STEM, points=4)
    CLOZE.build_page(page, option_order=order, options=options, response={"P1.t": "不予", "P3.3": "C3.1"})
    assert '<span class="gap">（1）</span>行政处罚' in page.stem and "{#" not in page.stem
    assert [(p.label, p.widget, p.typed) for p in page.parts] == [
        ("（1）", "text", True),
        ("（2）", "text", True),
        ("（3）", "select", False),
    ]
    assert page.parts[1].inputmode == "decimal"
    assert [(c.text, c.chosen) for c in page.parts[2].choices] == [("市级", False), ("县级以上", True), ("乡镇", False)]
    assert page.client_response == ["不予", "", "1"]
    rendered = repr(page)
    assert "fraction" not in rendered and "200" not in rendered and "correct_text=''" in rendered
    CLOZE.reveal(page, option_order=order, options=options, accepted=[], data={})
    assert [(p.correct_text, p.right) for p in page.parts] == [
        ("不予", True),
        ("200 ± 10", False),
        ("县级以上", True),
    ]


def test_from_and_to_client_and_malformed_answers():
    order = ["P1.t", "P2.t", "P3.3", "C3.3", "C3.1", "C3.2"]
    assert CLOZE.from_client(order, ["不予", "", "1"]) == {"P1.t": "不予", "P3.3": "C3.1"}
    assert CLOZE.to_client(order, {"P1.t": "不予", "P3.3": "C3.1"}) == ["不予", "", "1"]
    assert CLOZE.from_client(order, ["", "", ""]) is None
    for raw in (["a", "b", "3"], ["a", "b", "x"], ["a", "b", "0", "extra"], "不予", [["x"], "", ""]):
        with pytest.raises(BadAnswer):
            CLOZE.from_client(order, raw)
    with pytest.raises(BadAnswer) as exc:
        CLOZE.from_client(order, ["字" * 201])
    assert exc.value.too_long == 200


# --- an attempt and practice ---------------------------------------------------------------


def test_an_attempt_start_save_submit_score(learner, client_for):
    question = _question()
    exam = f.exam([question], partial_credit=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.get()
    order = item.option_order
    assert order[:3] == ["P1.t", "P2.t", "P3.3"] and sorted(order[3:]) == ["C3.1", "C3.2", "C3.3"]
    (page,) = paper_for_page(attempt)
    assert '<span class="gap">（2）</span>' in page.stem
    right = [c.index for c in page.parts[2].choices if c.text == "县级以上"][0]
    outcome = save_answers(
        attempt_id=attempt.pk,
        user=learner,
        answers=[{"item": item.position, "seq": 1, "response": ["不予", "300", str(right)]}],
    )
    assert outcome is not None
    assert AttemptAnswer.objects.get(item=item).response == {"P1.t": "不予", "P2.t": "300", "P3.3": order[3:][right]}
    html = client_for(learner).get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert 'class="gap"' in html and 'name="q1-1"' in html and "县级以上" in html
    assert "NUMERICAL" not in html and "± 10" not in html and "fraction" not in html
    submit_attempt(attempt_id=attempt.pk, user=learner)
    attempt = ExamAttempt.objects.get(pk=attempt.pk)
    assert attempt.score == Decimal("3.00")  # (1 + 2×0.5 + 1) / 4 of 4 points


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")
def test_the_postgresql_start_freezes_a_cloze_as_draw_paper_does(learner):
    question = _question(stem="<p>{#1}{#2}</p>", codes=["{1:MC:=甲~乙~丙}", "{1:MCS:=丁~戊~己~庚}"])
    exam = f.exam([question], shuffle_options=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    (frozen,) = attempt.items.values_list("option_order", flat=True)
    (expected,) = [i.option_order for i in draw_paper(exam)]
    assert frozen[:5] == expected[:5] == ["P1.1", "P2.2", "C1.1", "C1.2", "C1.3"]
    assert sorted(frozen[5:]) == sorted(expected[5:]) == ["C2.1", "C2.2", "C2.3", "C2.4"]


def test_the_practice_answer_path():
    category = f.category("完形练习")
    category.open_for_practice = True
    category.save()
    question = _question(cat=category, codes=[*CODES[:2], "{1:MC:=县级以上~乡镇~%50%市级}"])
    outcome = answer_question(
        user=UserFactory(),
        question_id=question.pk,
        version_id=question.current_version_id,
        raw=["不予", "200", "0"],
    )
    assert outcome.correct is True
    assert [p.right for p in outcome.item.parts] == [True, True, True]
    assert [p.correct_text for p in outcome.item.parts] == ["不予", "200 ± 10", "县级以上"]


# --- formats ------------------------------------------------------------------------------


def test_moodles_simple_multianswer_from_its_xmlformat_test():
    """``test_import_multianswer`` (question/format/xml/tests/xmlformat_test.php): a short answer, a menu."""
    xml = b"""<quiz><question type="cloze"><name><text>Simple multianswer</text></name>
    <questiontext format="html"><text><![CDATA[Complete this opening line of verse: "The {1:SHORTANSWER:Dog#Wrong, silly!~=Owl#Well done!~*#Wrong answer} and the {1:MULTICHOICE:Bow-wow#You seem to have a dog obsessions!~Wiggly worm#Now you are just being ridiculous!~=Pussy-cat#Well done!} went to sea".]]></text></questiontext>
    <generalfeedback format="html"><text>General feedback</text></generalfeedback>
    <penalty>0.5</penalty><hidden>0</hidden>
    <hint format="html"><text>Hint 1</text></hint><hint format="html"><text>Hint 2</text></hint>
    </question></quiz>"""
    result = moodle_xml.parse(xml)
    assert not [i for i in result.issues if i.level == "error"]
    (draft,) = result.questions
    assert "The {#1} and the {#2} went to sea" in draft.stem
    options, _a, _d = CLOZE.normalise(stem=draft.stem, options=draft.options, accepted=[], data={})
    assert options[0]["answers"] == [
        {"text": "Dog", "fraction": "0"},
        {"text": "Owl", "fraction": "1"},
        {"text": "*", "fraction": "0"},
    ]
    assert options[0]["case"] is False  # usecase 0
    assert [(o["text"], o["fraction"]) for o in options[2:]] == [
        ("Bow-wow", "0"),
        ("Wiggly worm", "0"),
        ("Pussy-cat", "1"),
    ]
    assert {o["shuffle"] for o in options[2:]} == {"never"}  # shuffleanswers 0 for MULTICHOICE
    warnings = [str(i) for i in result.issues]
    assert any("提示（hint）无法保留" in w for w in warnings)
    assert any("各空答案的反馈" in w for w in warnings)


def test_moodle_xml_export_rebuilds_the_codes_and_round_trips():
    question = _question(stem=STEM + "<p>A &amp; B：{#4}</p>", codes=[*CODES, "{1:MCV:=A & B~C\\}D}"])
    data = export_questions(fmt="moodle-xml")
    text = data.decode()
    assert 'type="cloze"' in text
    assert "{1:SHORTANSWER:=不予~%50%不*}" in text and "{2:NUMERICAL:=200:10~%50%300:0}" in text
    assert "{1:MULTICHOICE_V:=A &amp; B~C\\}D}" in text and "{#" not in text
    before = question.current_version
    outcome = import_questions(data=data, fmt="moodle-xml", duplicate_policy=DuplicatePolicy.NEW)
    assert outcome.created == 1 and len(outcome.duplicates) == 1  # the bank's duplicate check sees the same content
    after = Question.objects.exclude(pk=question.pk).get().current_version
    assert (after.stem, after.options, after.points) == (before.stem, before.options, before.points)


def test_excel_holds_the_codes_in_the_stem_and_round_trips():
    question = _question()
    data = export_questions(fmt="xlsx")
    result = xlsx.parse(data)
    assert not result.issues
    (draft,) = result.questions
    assert draft.qtype == "cloze" and "{#1}" in draft.stem
    before = question.current_version
    assert import_questions(data=data, fmt="xlsx", duplicate_policy=DuplicatePolicy.NEW).created == 1
    after = Question.objects.exclude(pk=question.pk).get().current_version
    assert (after.stem, after.options) == (before.stem, before.options)
    assert "完形填空题" in xlsx.type_labels().values()


def _xlsx_row(stem, answer=""):
    from exams.formats.base import ParseResult

    result = ParseResult()
    draft = xlsx._read_row({"题型": "综合填空题", "题干": stem, "答案": answer}, 2, 1, result)
    return draft, [str(i) for i in result.issues]


def test_excel_rows_are_refused_naming_the_blank():
    draft, issues = _xlsx_row("罚款{1:NM:=二百}元")
    assert draft is None and "第 1 空 {1:NM:=二百}：数值子问题的答案必须是数字" in issues[0]
    draft, issues = _xlsx_row("没有代码的题干")
    assert draft is None and "题干中没有嵌入式答案代码" in issues[0]
    draft, issues = _xlsx_row("{1:SA:=甲}", answer="甲")
    assert draft is None and "答案列应留空" in issues[0]
    draft, issues = _xlsx_row("由{1:MCS:=县级~乡级}管辖")
    assert issues == [] and "由{#1}管辖" in draft.stem and draft.options == [{"code": "{1:MCS:=县级~乡级}"}]


def test_gift_cannot_express_it():
    assert CLOZE.gift is False and CLOZE.xlsx is True
    assert qtypes.for_moodle("multianswer") is CLOZE and qtypes.for_moodle("cloze") is CLOZE
