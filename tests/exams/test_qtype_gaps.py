"""选词填空 (gapselect) and 拖词填空 (ddwtos): authoring, the page, grading, the formats, an attempt and practice.

Moodle's expectations are read from question/type/gapselect/tests and question/type/ddwtos/tests
(questiontype_test.php: test_xml_import, test_xml_import_legacy; the testquestion.moodle.xml fixtures).
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from exams import qtypes
from exams.formats import moodle_xml, xlsx
from exams.models import AttemptAnswer, ExamAttempt, Question, QuestionType
from exams.qtypes.base import BadAnswer, PageItem
from exams.selectors.attempts import paper_for_page, review_items
from exams.services.attempts import draw_paper, save_answers, start_attempt, submit_attempt
from exams.services.practice import answer_question
from exams.services.question_import import export_questions, import_questions
from exams.services.questions import build_content, validate_content
from tests.exams.factories_questions import editor_form

from . import factories_exams as f
from .factories_questions import make_question

pytestmark = pytest.mark.django_db

MOODLE_DIR = Path(__file__).resolve().parent / "data" / "moodle"
GAPSELECT, DDWTOS = qtypes.get("gapselect"), qtypes.get("ddwtos")
STEM = "<p>行政处罚由违法行为发生地的[[1]]以上地方人民政府具有行政处罚权的[[3]]管辖。</p>"
CHOICES = [
    {"text": "县级", "group": 1},
    {"text": "乡级", "group": 1},
    {"text": "行政机关", "group": 2},
    {"text": "司法机关", "group": 2},
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _content(qtype="gapselect", stem=STEM, options=CHOICES, data=None):
    return build_content(qtype=qtype, stem=stem, options=options, data=data or {})


def _errors(qtype="gapselect", stem=STEM, options=CHOICES) -> dict:
    with pytest.raises(ValidationError) as exc:
        validate_content(qtype, _content(qtype, stem, options))
    return exc.value.message_dict


def _question(qtype="gapselect", stem=STEM, options=CHOICES, shuffle=False, **kwargs) -> Question:
    return make_question(qtype, stem=stem, options=options, data={"shuffle": shuffle}, **kwargs)


# --- the stored shape ------------------------------------------------------------------------------


def test_the_stem_keeps_its_placeholders_and_each_gap_is_a_part_keyed_by_its_choice_group():
    content = _content(data={"shuffle": True})
    assert content.stem == STEM
    assert content.options == [
        {"key": "P1.1", "group": 0, "shuffle": "never", "answer": "C1.1"},
        {"key": "P2.2", "group": 0, "shuffle": "never", "answer": "C2.3"},
        {"key": "C1.1", "text": "县级", "group": 1, "shuffle": "always"},
        {"key": "C1.2", "text": "乡级", "group": 1, "shuffle": "always"},
        {"key": "C2.3", "text": "行政机关", "group": 2, "shuffle": "always"},
        {"key": "C2.4", "text": "司法机关", "group": 2, "shuffle": "always"},
    ]
    assert content.data == {}
    validate_content("gapselect", content)
    # Normalising the stored shape again changes nothing (a re-save, a version compare).
    again = build_content(qtype="gapselect", stem=content.stem, options=content.options, data={})
    assert again == content
    unshuffled = _content(data={"shuffle": False})
    assert {o["shuffle"] for o in unshuffled.options} == {"never"}


def test_a_choice_may_be_the_answer_of_several_gaps_and_ddwtos_keeps_infinite():
    content = _content(
        "ddwtos",
        "<p>可以处[[1]]；情节较重的，处[[1]]并处[[2]]。</p>",
        [{"text": "罚款", "infinite": True}, {"text": "警告"}],
    )
    validate_content("ddwtos", content)
    assert [o.get("answer") for o in content.options if o["key"].startswith("P")] == ["C1.1", "C1.1", "C1.2"]
    assert content.options[3] == {"key": "C1.1", "text": "罚款", "group": 1, "shuffle": "always", "infinite": True}
    # Select missing words has no such mark: it is not kept.
    assert (
        "infinite" not in _content("gapselect", options=[{"text": "县级", "infinite": True}, *CHOICES[1:]]).options[2]
    )


@pytest.mark.parametrize(
    ("stem", "options", "field", "message"),
    [
        (
            "<p>没有空位。</p>",
            CHOICES,
            "stem",
            "题干中没有空位：请用 [[1]]、[[2]]… 标出每个空位，数字是该空正确选项的序号。",
        ),
        ("<p>[[1]] 与 [[5]]</p>", CHOICES, "stem", "题干中的 [[5]] 没有对应的选项（共 4 个选项）。"),
        ("<p>[[1]] 与 [[0]]</p>", CHOICES, "stem", "题干中的 [[0]] 没有对应的选项（共 4 个选项）。"),
        (
            "<p>[[1]] 与 [[cat]]</p>",
            CHOICES,
            "stem",
            "题干中的 [[cat]] 不是有效的空位：方括号中应为正确选项的序号（如 [[1]]）。",
        ),
        ("<p>[[1]]</p>", [{"text": "县级"}, {"text": "  "}], "options", "第 2 个选项内容为空。"),
        ("<p>[[1]]</p>", [], "options", "没有选项：请在答案设置中每行写一个选项。"),
        (
            "<p>[[1]]</p>",
            [{"text": "县级", "group": 9}],
            "options",
            "第 1 个选项的组号应为 1 到 8 的整数，现为“9”。",
        ),
    ],
)
def test_validation_names_what_is_wrong_as_moodles_edit_form_does(stem, options, field, message):
    errors = _errors(stem=stem, options=options)
    assert message in errors[field]
    assert not Question.objects.exists()


# --- the bank editor's 答案设置 ---------------------------------------------------------------------


def test_the_editor_text_round_trips():
    for qtype, stem, options, data in [
        ("gapselect", STEM, CHOICES, {"shuffle": False}),
        ("ddwtos", "<p>[[1]] [[1]] [[2]]</p>", [{"text": "罚款", "infinite": True}, {"text": "警告", "group": 3}], {}),
    ]:
        kind = qtypes.get(qtype)
        content = _content(qtype, stem, options, data)
        text = kind.editor_text(stem=stem, options=content.options, accepted=[], data=content.data)
        raw, accepted, raw_data = kind.parse_editor(text)
        assert build_content(qtype=qtype, stem=stem, options=raw, accepted_answers=accepted, data=raw_data) == content
    unshuffled = _content(data={"shuffle": False}).options
    assert GAPSELECT.editor_text(stem=STEM, options=unshuffled, accepted=[], data={}) == (
        "选项乱序：否\n县级\n乡级\n行政机关 | 2\n司法机关 | 2"
    )
    assert "罚款 | 1 | 无限" in DDWTOS.editor_text(
        stem="", options=_content("ddwtos", "[[1]]", [{"text": "罚款", "infinite": True}]).options, accepted=[], data={}
    )


def test_the_editor_reads_groups_full_width_marks_and_the_shuffle_line():
    raw, accepted, data = DDWTOS.parse_editor("\n选项乱序: 是\n罚款 ｜ １ ｜ 无限\n\n警告|2\n")
    assert raw == [{"text": "罚款", "group": 1, "infinite": True}, {"text": "警告", "group": 2}]
    assert (accepted, data) == ([], {"shuffle": True})


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (GAPSELECT, "县级\n乡级 | 9", "第 2 行：组号应为 1 到 8 的整数，现为“9”。"),
        (GAPSELECT, "县级\n | 2", "第 2 行：选项内容不能为空。"),
        (GAPSELECT, "县级 | 无限", "第 1 行：选词填空的选项不需要标“无限”：下拉选择时每个选项都可用于多个空。"),
        (GAPSELECT, "县级 | 甲", "第 1 行：“甲”应为组号（1–8）。"),
        (DDWTOS, "县级\n\n乡级 | 甲", "第 3 行：“甲”应为组号（1–8）或“无限”。"),
        (DDWTOS, "选项乱序：也许\n县级", "第 1 行：“选项乱序”应为“是”或“否”，现为“也许”。"),
    ],
)
def test_the_editor_refuses_a_broken_line_naming_it(kind, text, message):
    with pytest.raises(ValueError) as exc:
        kind.parse_editor(text)
    assert str(exc.value) == message


# --- the page ---------------------------------------------------------------------------------------


def _page(content, response=None, order=None) -> PageItem:
    page = PageItem(position=1, qtype="gapselect", qtype_label="选词填空", stem=content.stem, points=Decimal(2))
    GAPSELECT.build_page(
        page, option_order=order or [o["key"] for o in content.options], options=content.options, response=response
    )
    return page


def test_the_page_numbers_the_gaps_in_the_stem_and_never_carries_the_key():
    content = _content()
    page = _page(content)
    assert page.stem == (
        '<p>行政处罚由违法行为发生地的<span class="gap">（1）</span>以上地方人民政府具有行政处罚权的'
        '<span class="gap">（2）</span>管辖。</p>'
    )
    assert [p.label for p in page.parts] == ["（1）", "（2）"]
    assert [[c.text for c in p.choices] for p in page.parts] == [["县级", "乡级"], ["行政机关", "司法机关"]]
    shown = repr(page)
    assert "[[" not in shown and "C1." not in shown and "C2." not in shown
    assert "answer" not in shown.replace("answer_kind", "").replace("accepted_answers=[]", "")
    assert all(p.correct_text == "" and p.right is None for p in page.parts)
    assert page.client_response is None


def test_answers_from_the_page_are_read_per_gap_and_malformed_ones_refused():
    content = _content()
    order = ["P1.1", "P2.2", "C1.2", "C1.1", "C2.4", "C2.3"]  # a frozen paper's order
    assert GAPSELECT.from_client(order, ["1", 0]) == {"P1.1": "C1.1", "P2.2": "C2.4"}
    assert GAPSELECT.from_client(order, ["", 1]) == {"P2.2": "C2.3"}
    assert GAPSELECT.from_client(order, ["", ""]) is None
    assert GAPSELECT.to_client(order, {"P1.1": "C1.1", "P2.2": "C2.4"}) == ["1", "0"]
    page = _page(content, {"P1.1": "C1.1"}, order)
    assert [c.chosen for c in page.parts[0].choices] == [False, True]
    assert page.client_response == ["1", ""]
    for raw in ("0", {"0": 1}, [0, 0, 0], [2], [-1], ["x"], [True], [0.5]):
        with pytest.raises(BadAnswer):
            GAPSELECT.from_client(order, raw)


# --- grading ----------------------------------------------------------------------------------------


def _score(content, response, partial=True):
    return GAPSELECT.score(options=content.options, accepted=[], data={}, response=response, partial_credit=partial)


def test_grading_is_right_gaps_over_gaps_or_all_or_nothing():
    content = _content(stem="<p>[[1]] [[2]] [[3]]</p>", options=[{"text": "cat"}, {"text": "sat"}, {"text": "mat"}])
    right = {"P1.1": "C1.1", "P2.1": "C1.2", "P3.1": "C1.3"}
    assert _score(content, right) == 1
    assert _score(content, right, partial=False) == 1
    two = {**right, "P3.1": "C1.1"}
    assert _score(content, two) == Decimal(2) / 3
    assert _score(content, two, partial=False) == 0
    assert _score(content, {"P1.1": "C1.1"}) == Decimal(1) / 3
    assert _score(content, None) == 0
    outcomes = GAPSELECT.part_outcomes(options=content.options, accepted=[], data={}, response=two)
    assert [(o.label, o.fraction, o.response) for o in outcomes] == [
        ("（1）", 1, "cat"),
        ("（2）", 1, "sat"),
        ("（3）", 0, "cat"),
    ]
    assert GAPSELECT.key_text(option_order=[], options=content.options, accepted=[], data={}) == (
        "（1）→cat；（2）→sat；（3）→mat"
    )


def test_two_choices_of_one_text_in_one_group_are_the_same_word():
    content = _content("ddwtos", "<p>[[1]] [[2]]</p>", [{"text": "the"}, {"text": "the"}, {"text": "a"}])
    assert _score(content, {"P1.1": "C1.2", "P2.1": "C1.1"}) == 1
    assert _score(content, {"P1.1": "C1.3", "P2.1": "C1.1"}) == Decimal("0.5")


# --- Moodle XML ---------------------------------------------------------------------------------------

# Moodle's qtype_ddwtos questiontype_test::test_xml_import, in a <quiz>.
DDWTOS_XML = """<?xml version="1.0" encoding="UTF-8"?><quiz>
  <question type="ddwtos">
    <name><text>A drag-and-drop question</text></name>
    <questiontext format="moodle_auto_format"><text>Put these in order: [[1]], [[2]], [[3]].</text></questiontext>
    <generalfeedback><text>The answer is Alpha, Beta, Gamma.</text></generalfeedback>
    <defaultgrade>3</defaultgrade>
    <penalty>0.3333333</penalty>
    <hidden>0</hidden>
    <shuffleanswers>1</shuffleanswers>
    <correctfeedback><text><![CDATA[<p>Your answer is correct.</p>]]></text></correctfeedback>
    <partiallycorrectfeedback><text><![CDATA[<p>Your answer is partially correct.</p>]]></text></partiallycorrectfeedback>
    <incorrectfeedback><text><![CDATA[<p>Your answer is incorrect.</p>]]></text></incorrectfeedback>
    <shownumcorrect/>
    <dragbox><text>Alpha</text><group>1</group></dragbox>
    <dragbox><text>Beta</text><group>1</group></dragbox>
    <dragbox><text>Gamma</text><group>1</group><infinite/></dragbox>
    <hint><text>Try again.</text><shownumcorrect /></hint>
    <hint><text>These are the first three letters of the Greek alphabet.</text><shownumcorrect /><clearwrong /></hint>
  </question></quiz>"""

# Moodle's qtype_ddwtos questiontype_test::test_xml_import_legacy (Moodle 2.0's serialised groups), shortened to
# its choices and stem.
DDWTOS_LEGACY_XML = """<?xml version="1.0" encoding="UTF-8"?><quiz>
  <question type="ddwtos">
    <name><text>QDandD1 Base definition</text></name>
    <questiontext format="html"><text>&lt;p&gt;At 25°C all aqueous basic solutions have [[1]]&#160;ion concentrations
      less than [[8]]&lt;br /&gt;mol litre&lt;sup&gt;-1&lt;/sup&gt; and pH values [[9]] than [[6]].&lt;/p&gt;</text></questiontext>
    <shuffleanswers>0</shuffleanswers>
    {answers}
  </question></quiz>"""
LEGACY_CHOICES = [
    ("hydrogen", 1),
    ("positive", 1),
    ("hydroxide", 1),
    ("negative", 1),
    ("10&lt;sup&gt;7&lt;/sup&gt;", 2),
    ("7", 2),
    ("1", 2),
    ("10&lt;sup&gt;-7&lt;/sup&gt;", 2),
    ("greater", 3),
    ("less", 3),
]


def _moodle_import(data: bytes, **kwargs):
    return import_questions(data=data, fmt="moodle-xml", **kwargs)


def _warnings(outcome) -> list[str]:
    return [str(w) for w in outcome.warnings]


def _choices(question) -> list[tuple]:
    return [
        (o["text"], o["group"], o.get("infinite", False))
        for o in question.current_version.options
        if o["key"].startswith("C")
    ]


def _answers(question) -> list[str]:
    by_key = {o["key"]: o for o in question.current_version.options}
    return [by_key[o["answer"]]["text"] for o in question.current_version.options if o["key"].startswith("P")]


def test_moodles_gapselect_fixture_imports_with_its_gaps_choices_and_group():
    outcome = _moodle_import((MOODLE_DIR / "qtype/gapselect.moodle.xml").read_bytes())
    question = Question.objects.get(name="Imported Select missing words 001")
    version = question.current_version
    assert question.type == QuestionType.GAPSELECT
    assert version.stem == "The [[1]] [[2]] on the [[3]]."
    assert _choices(question) == [
        ("cat", 1, False),
        ("sat", 1, False),
        ("mat", 1, False),
        ("dog", 1, False),
        ("table", 1, False),
    ]
    assert _answers(question) == ["cat", "sat", "mat"]
    assert {o["shuffle"] for o in version.options if o["key"].startswith("C")} == {"never"}  # shuffleanswers 0
    assert (version.points, version.explanation) == (Decimal("1"), "The cat sat on the mat.")
    assert "第 56 行，第 1 题「Imported Select missing words 001」：提示（hint）无法保留，已忽略。" in _warnings(
        outcome
    )
    assert not any("综合反馈" in w for w in _warnings(outcome))  # Moodle's default texts lose nothing


def test_moodles_ddwtos_import_keeps_infinite_and_shuffle():
    outcome = _moodle_import(DDWTOS_XML.encode())
    question = Question.objects.get(name="A drag-and-drop question")
    version = question.current_version
    assert question.type == QuestionType.DDWTOS
    assert re.sub(r"</?p>", "", version.stem) == "Put these in order: [[1]], [[2]], [[3]]."
    assert _choices(question) == [("Alpha", 1, False), ("Beta", 1, False), ("Gamma", 1, True)]
    assert _answers(question) == ["Alpha", "Beta", "Gamma"]
    assert {o["shuffle"] for o in version.options if o["key"].startswith("C")} == {"always"}
    assert version.points == Decimal("3")
    assert any("提示（hint）无法保留" in w for w in _warnings(outcome))


def test_moodles_legacy_ddwtos_reads_the_serialised_groups():
    answers = "".join(
        f'<answer><correctanswer>0</correctanswer><text>{text}</text><feedback><text>O:8:"stdClass":2:'
        f'{{s:9:"draggroup";s:1:"{group}";s:8:"infinite";i:0;}}</text></feedback></answer>'
        for text, group in LEGACY_CHOICES
    )
    _moodle_import(DDWTOS_LEGACY_XML.format(answers=answers).encode())
    question = Question.objects.get(name="QDandD1 Base definition")
    assert [g for _t, g, _i in _choices(question)] == [1, 1, 1, 1, 2, 2, 2, 2, 3, 3]
    assert _answers(question) == ["hydrogen", "10-7", "greater", "7"]
    assert [o["key"] for o in question.current_version.options[:4]] == ["P1.1", "P2.2", "P3.3", "P4.2"]


def test_a_broken_moodle_question_is_refused_naming_it():
    data = DDWTOS_XML.replace("[[3]]", "[[7]]").replace(
        "<group>1</group></dragbox>\n    <dragbox><text>Beta", "<group>12</group></dragbox>\n    <dragbox><text>Beta"
    )
    with pytest.raises(Exception) as exc:
        _moodle_import(data.encode())
    errors = [str(e) for e in exc.value.outcome.errors]
    assert any(
        "「A drag-and-drop question」：第 1 个选项的组号（group）应为 1 到 8 的整数，现为“12”。" in e for e in errors
    )
    assert not Question.objects.exists()
    with pytest.raises(Exception) as exc:
        _moodle_import(DDWTOS_XML.replace("[[3]]", "[[7]]").encode())
    assert any("题干中的 [[7]] 没有对应的选项（共 3 个选项）。" in str(e) for e in exc.value.outcome.errors)


def test_moodle_xml_export_reimports_equal():
    made = [
        _question("gapselect", name="选词", shuffle=True),
        _question(
            "ddwtos",
            stem="<p>可以处[[1]]；情节较重的，处[[1]]并处[[3]]。</p>",
            options=[{"text": "罚款", "infinite": True}, {"text": "警告"}, {"text": "暂扣许可证件", "group": 2}],
            name="拖词",
        ),
    ]
    data = export_questions(fmt="moodle-xml")
    text = data.decode()
    assert '<question type="ddwtos">' in text and '<question type="gapselect">' in text
    assert "<dragbox>" in text and "<infinite />" in text and "<selectoption>" in text
    parsed = moodle_xml.parse(data)
    assert not [i for i in parsed.issues if i.level != "warning"]
    for draft, question in zip(parsed.questions, made, strict=True):
        version = question.current_version
        content = build_content(qtype=draft.qtype, stem=draft.stem, options=draft.options, data=draft.data)
        assert (draft.qtype, content.stem, content.options) == (question.type, version.stem, version.options)


# --- Excel and GIFT -------------------------------------------------------------------------------------


def test_excel_export_reimports_equal_and_reads_group_cells():
    made = [
        _question("gapselect", name="选词"),
        _question(
            "ddwtos",
            stem="<p>[[1]][[2]]</p>",
            options=[{"text": "罚款", "infinite": True}, {"text": "警告", "group": 2}],
            shuffle=True,
        ),
    ]
    data = export_questions(fmt="xlsx")
    parsed = xlsx.parse(data)
    assert not parsed.issues
    for draft, question in zip(parsed.questions, made, strict=True):
        content = build_content(qtype=draft.qtype, stem=draft.stem, options=draft.options, data=draft.data)
        assert (draft.qtype, content.options) == (question.type, question.current_version.options)
    assert xlsx.type_by_label()["选词填空题"] == "gapselect" and xlsx.type_by_label()["拖放填空"] == "ddwtos"
    assert xlsx.type_labels()["ddwtos"] == "拖词填空"


def test_excel_cells_that_cannot_be_read_name_their_column():
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["题型", "题干", "选项A", "选项B", "答案"])
    sheet.append(["选词填空", "[[1]]", "县级", "乡级|9", ""])
    sheet.append(["拖词填空", "[[1]]", "罚款|无限", "", "也许"])
    buffer = io.BytesIO()
    book.save(buffer)
    issues = [str(i) for i in xlsx.parse(buffer.getvalue()).issues]
    assert "第 2 行，第 1 题「[[1]]」：「选项B」列：组号应为 1 到 8 的整数，现为“9”。" in issues
    assert any("「答案」列：拖词填空的答案写在题干的 [[1]]、[[2]]… 中" in i and "现为“也许”" in i for i in issues)


def test_gift_cannot_express_them():
    assert not GAPSELECT.gift and not DDWTOS.gift and not GAPSELECT.aiken


# --- an attempt, the PostgreSQL start and practice --------------------------------------------------------


def _right_indices(item) -> list[str]:
    by_key = {o["key"]: o for o in item.question_version.options}
    parts = [k for k in item.option_order if k.startswith("P")]
    values = []
    for key in parts:
        group = key.split(".")[1]
        choices = [k for k in item.option_order if k.startswith(f"C{group}.")]
        values.append(str(choices.index(by_key[key]["answer"])))
    return values


def test_an_attempt_saves_scores_and_reviews_gap_answers(learner):
    question = _question(shuffle=True, points=Decimal("2"))
    exam = f.exam([question], partial_credit=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.select_related("question_version").get()
    assert item.option_order[:2] == ["P1.1", "P2.2"]
    assert sorted(item.option_order[2:4]) == ["C1.1", "C1.2"] and sorted(item.option_order[4:]) == ["C2.3", "C2.4"]
    page = paper_for_page(attempt)[0]
    assert page.stem.count('class="gap"') == 2 and "[[" not in page.stem
    right = _right_indices(item)
    wrong_second = str(1 - int(right[1]))
    outcome = save_answers(
        attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": [right[0], wrong_second]}]
    )
    assert [r.accepted for r in outcome.results] == [True]
    refused = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 2, "response": [5, 0]}])
    assert [(r.accepted, r.error) for r in refused.results] == [(False, "第 1 题的作答无效，请刷新页面后重新作答。")]
    assert AttemptAnswer.objects.get(item=item).response == {
        "P1.1": "C1.1",
        "P2.2": item.option_order[4:][int(wrong_second)],
    }
    submit_attempt(attempt_id=attempt.pk, user=learner)
    attempt = ExamAttempt.objects.get(pk=attempt.pk)
    assert AttemptAnswer.objects.get(item=item).score == Decimal("1.00")  # one gap of two (partial credit)
    review = review_items(attempt, show_key=True)[0]
    assert [(p.right, p.correct_text) for p in review.parts] == [(True, "县级"), (False, "行政机关")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")
def test_the_postgresql_start_freezes_gaps_as_draw_paper_does(learner):
    questions = [_question(shuffle=False), _question("ddwtos", shuffle=True)]
    exam = f.exam(questions, shuffle_options=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    frozen = list(attempt.items.order_by("position").values_list("qtype", "option_order"))
    expected = [(i.qtype, i.option_order) for i in draw_paper(exam)]
    assert frozen[0] == expected[0]  # nothing shuffles without shuffleanswers, even when the exam shuffles options
    assert frozen[0][1] == ["P1.1", "P2.2", "C1.1", "C1.2", "C2.3", "C2.4"]
    assert frozen[1][1][:2] == ["P1.1", "P2.2"]  # the gaps stay in stem order, each group's choices together
    assert sorted(frozen[1][1][2:4]) == ["C1.1", "C1.2"] and sorted(frozen[1][1][4:]) == ["C2.3", "C2.4"]


def test_practice_answers_a_gap_question(learner):
    question = _question(shuffle=True)
    category = question.category
    category.open_for_practice = True
    category.save()
    version = question.current_version
    from exams.selectors.practice import practice_order

    order = practice_order(version, question.type)
    choices = {g: [k for k in order if k.startswith(f"C{g}.")] for g in ("1", "2")}
    right = [str(choices["1"].index("C1.1")), str(choices["2"].index("C2.3"))]
    outcome = answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=right)
    assert outcome.correct is True
    assert [p.right for p in outcome.item.parts] == [True, True]
    wrong = [right[0], str(1 - int(right[1]))]
    outcome = answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=wrong)
    assert outcome.correct is False  # practice is all or nothing


# --- the bank editor in the admin ----------------------------------------------------------------------


def _admin_data(category, **overrides):
    form = editor_form(
        category,
        "ddwtos",
        name="拖词后台",
        stem="对违法行为可以处[[1]]；情节较重的，处[[1]]并处[[3]]。",
        answer_spec="选项乱序：否\n罚款 | 1 | 无限\n警告\n暂扣许可证件 | 2",
    )
    return {**form, **overrides}


def test_the_admin_editor_saves_a_gap_question_and_shows_it_again(trainer, client_for):
    from django.urls import reverse

    from exams.services.questions import ensure_category

    category = ensure_category("法律知识")
    client = client_for(trainer)
    response = client.post(reverse("exams_questions:add"), _admin_data(category))
    assert response.status_code == 302, response.content.decode()[:3000]
    question = Question.objects.get(name="拖词后台")
    assert question.type == "ddwtos"
    assert _choices(question) == [("罚款", 1, True), ("警告", 1, False), ("暂扣许可证件", 2, False)]
    assert _answers(question) == ["罚款", "罚款", "暂扣许可证件"]
    page = client.get(reverse("exams_questions:edit", args=[question.pk])).content.decode()
    assert "罚款 | 1 | 无限" in page and "暂扣许可证件 | 2" in page

    refused = client.post(reverse("exams_questions:add"), _admin_data(category, name="错", answer_spec="罚款 | 9"))
    assert refused.status_code == 200 and "第 1 行：组号应为 1 到 8 的整数，现为“9”。" in refused.content.decode()
    refused = client.post(reverse("exams_questions:add"), _admin_data(category, name="错", stem="处[[4]]"))
    assert "题干中的 [[4]] 没有对应的选项（共 3 个选项）。" in refused.content.decode()
    assert not Question.objects.filter(name="错").exists()
