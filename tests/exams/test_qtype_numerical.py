"""数值题 (numerical): authoring, the 答案设置 text, grading as Moodle grades, the page, formats, attempts, practice."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from openpyxl import Workbook

from exams import qtypes
from exams.formats import gift, moodle_xml, xlsx
from exams.models import AttemptAnswer, Question, QuestionType, QuestionVersion
from exams.qtypes.base import BadAnswer, PageItem
from exams.qtypes.numbers import numeric_fraction, parse_number
from exams.selectors.attempts import paper_for_page, review_items
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from exams.services.practice import PracticeError, answer_question
from exams.services.question_import import QuestionImportFailed, export_questions, import_questions
from exams.services.questions import build_content, validate_content
from tests.exams.factories_questions import editor_form

from . import factories_exams as f
from .factories_questions import make_question

NUMERICAL = qtypes.get("numerical")
PI = {
    "answers": [
        {"value": "3.14", "tolerance": "0.01", "fraction": "1"},
        {"value": "3", "tolerance": "0.5", "fraction": "0.5"},
        {"value": "*", "tolerance": "0", "fraction": "0.1"},
    ],
    "units": [{"name": "m", "multiplier": "1"}, {"name": "cm", "multiplier": "100"}],
}


def _score(response, data=PI, partial=True):
    return NUMERICAL.score(options=[], accepted=[], data=data, response=response, partial_credit=partial)


def _errors(data) -> list[str]:
    content = build_content(qtype="numerical", stem="多少？", data=data)
    with pytest.raises(ValidationError) as exc:
        validate_content("numerical", content)
    return exc.value.message_dict["data"]


def _numerical(data=None, **overrides) -> Question:
    fields = {"stem": "<p>圆周率约等于多少米？</p>", "options": [], "data": data or PI}
    fields.update(overrides)
    return make_question("numerical", **fields)


# --- reading numbers (exams.qtypes.numbers) ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("３．１４", (Decimal("3.14"), "")),  # full-width digits and point
        ("－２.５ 米", (Decimal("-2.5"), "米")),
        ("1 234", (Decimal("1234"), "")),  # Moodle strips spaces inside a number
        ("1,234.5", (Decimal("1234.5"), "")),
        ("3×10^8", (Decimal("3E+8"), "")),
        ("3 x 10^-2 m", (Decimal("0.03"), "m")),
        ("2.5e3", (Decimal("2.5E+3"), "")),
        ("abc", None),
        ("", None),
        ("1e999999999", None),  # beyond a double: not a number (and no Decimal overflow)
    ],
)
def test_numbers_are_read_as_moodle_reads_them(text, expected):
    assert parse_number(text) == expected


def test_tolerance_edges_are_inclusive_and_exact():
    answers = [{"value": "3.14", "tolerance": "0.01", "fraction": "1"}]
    assert numeric_fraction("3.13", answers) == 1
    assert numeric_fraction("3.15", answers) == 1
    assert numeric_fraction("3.1500001", answers) == 0
    assert numeric_fraction("3.1299999", answers) == 0
    exact = [{"value": "0.3", "tolerance": "0", "fraction": "1"}]
    assert numeric_fraction("0.30", exact) == 1 and numeric_fraction("0.31", exact) == 0


def test_units_convert_and_an_unknown_unit_is_wrong():
    assert _score("3.14") == 1  # no unit: read in the first unit
    assert _score("3.14 m") == 1
    assert _score("314 cm") == 1
    assert _score("314CM") == 1  # units compare without case
    assert _score("3.14 km") == 0  # nobody declared km: wrong, even with the "*" answer
    assert _score("３１４ ｃｍ") == 1  # full-width digits and letters


def test_answers_are_tried_in_order_and_star_takes_any_number():
    assert _score("3.2", partial=True) == Decimal("0.5")
    assert _score("100", partial=True) == Decimal("0.1")
    assert _score("不知道", partial=True) == 0  # not a number: "*" does not take it
    assert _score(None) == 0 and _score(["3.14"]) == 0


def test_all_or_nothing_gives_full_marks_only_for_a_full_marks_answer():
    assert _score("3.14", partial=False) == 1
    assert _score("3.2", partial=False) == 0
    assert _score("100", partial=False) == 0


# --- authoring: normalise, validate, the 答案设置 text -------------------------------------------------


def test_normalise_canonicalises_numbers_fractions_and_units():
    _o, _a, data = NUMERICAL.normalise(
        stem="",
        options=[],
        accepted=[],
        data={
            "answers": [
                {"value": "３．１４０", "tolerance": "", "fraction": Decimal("1")},
                {"value": "3e2", "tolerance": "1E1", "fraction": "0.33333"},
                {"value": "", "tolerance": "", "fraction": ""},  # an empty row is dropped
            ],
            "units": [{"name": " 米 ", "multiplier": ""}],
        },
    )
    assert data == {
        "answers": [
            {"value": "3.14", "tolerance": "0", "fraction": "1"},
            {"value": "300", "tolerance": "10", "fraction": "0.3333333"},
        ],
        "units": [{"name": "米", "multiplier": "1"}],
    }


def test_validation_names_each_broken_answer_and_unit():
    errors = _errors(
        {
            "answers": [
                {"value": "三", "tolerance": "0", "fraction": "1"},
                {"value": "3", "tolerance": "-1", "fraction": "0.33"},
                {"value": "4", "tolerance": "x", "fraction": "-0.5"},
            ],
            "units": [
                {"name": "cm", "multiplier": "100"},
                {"name": "CM", "multiplier": "100"},
                {"name": "2m", "multiplier": "0"},
                {"name": "a=b", "multiplier": "1"},
            ],
        }
    )
    assert "第 1 个答案“三”不是数字（可写 * 表示任意数字）。" in errors
    assert "第 2 个答案的误差不能为负数（现为 -1）。" in errors
    assert any(e.startswith("第 2 个答案的得分比例“33%”无效") for e in errors)
    assert "第 3 个答案的误差“x”不是数字。" in errors
    assert any(e.startswith("第 3 个答案的得分比例“-50%”无效") for e in errors)
    assert "第一个单位“cm”是答案所用的单位，倍数应为 1（现为 100）。" in errors
    assert "单位“CM”重复（比较时不区分大小写和空格）。" in errors
    assert "单位“2m”不能以数字、正负号或小数点开头。" in errors
    assert "单位“2m”的倍数“0”应为大于 0 的数字。" in errors
    assert "单位“a=b”不能含有 =。" in errors


def test_validation_wants_an_answer_and_one_worth_full_marks():
    assert _errors({"answers": []}) == ["数值题至少需要一个答案。"]
    assert _errors({"answers": [{"value": "3", "tolerance": "0", "fraction": "0.5"}]}) == [
        "数值题至少需要一个得分为 100% 的答案，否则无法得满分。"
    ]


SPEC = "3.14 ± 0.01\n3 | 0.5 | 50%\n1..5 | 10%\n* | 5%\n单位：m = 1，cm = 100"


def test_the_editor_text_reads_and_round_trips():
    _o, _a, raw = NUMERICAL.parse_editor(SPEC)
    _o, _a, data = NUMERICAL.normalise(stem="", options=[], accepted=[], data=raw)
    assert data == {
        "answers": [
            {"value": "3.14", "tolerance": "0.01", "fraction": "1"},
            {"value": "3", "tolerance": "0.5", "fraction": "0.5"},
            {"value": "3", "tolerance": "2", "fraction": "0.1"},
            {"value": "*", "tolerance": "0", "fraction": "0.05"},
        ],
        "units": [{"name": "m", "multiplier": "1"}, {"name": "cm", "multiplier": "100"}],
    }
    text = NUMERICAL.editor_text(stem="", options=[], accepted=[], data=data)
    assert text == "3.14 ± 0.01\n3 ± 0.5 | 50%\n3 ± 2 | 10%\n* | 5%\n单位：m = 1，cm = 100"
    again = NUMERICAL.normalise(stem="", options=[], accepted=[], data=NUMERICAL.parse_editor(text)[2])[2]
    assert again == data
    # Full-width punctuation and +- are read too.
    _o, _a, raw = NUMERICAL.parse_editor("３.１４ +- ０.０１ ｜ １００％\n单位：米")
    assert raw["answers"][0]["tolerance"] == "0.01" and raw["units"] == [{"name": "米", "multiplier": "1"}]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "请至少写一个答案，如 3.14 ± 0.01。"),
        ("3.14\n三 ± 1", "第 2 行：数值“三”不是数字。"),
        ("3.14 ± 一", "第 1 行：误差“一”不是数字。"),
        ("3.14 | 33%", "第 1 行：得分比例“33%”无效"),
        ("3.14 | 0.1 | 0.2", "第 1 行：误差写了两次"),
        ("3.14 | 50% | 50%", "第 1 行：得分比例写了两次。"),
        ("5..1", "第 1 行：范围 5..1 的下限大于上限。"),
        ("1 | 2 | 3 | 4", "第 1 行：最多三项"),
        ("3\n单位：m\n单位：cm", "第 3 行：单位已在第 2 行写过，只能写一行。"),
        ("3\n单位：", "第 2 行：“单位：”后没有单位"),
        ("3\n单位：cm = 百", "第 2 行：单位“cm”的倍数“百”不是数字。"),
    ],
)
def test_the_editor_text_errors_name_the_line(text, message):
    with pytest.raises(ValueError) as exc:
        NUMERICAL.parse_editor(text)
    assert str(exc.value).startswith(message)


def _form(category, spec):
    return editor_form(category, "numerical", name="后台数值题", stem="圆周率？", answer_spec=spec)


@pytest.mark.django_db
def test_the_bank_editor_saves_a_numerical_question_and_names_a_broken_line(trainer, client_for):
    from django.urls import reverse

    from exams.services.questions import ensure_category

    client = client_for(trainer)
    category = ensure_category("法律知识")
    response = client.post(reverse("exams_questions:add"), _form(category, "3.14\n约 3"))
    assert response.status_code == 200 and "第 2 行：数值“约 3”不是数字。" in response.content.decode()
    response = client.post(reverse("exams_questions:add"), _form(category, "3.14 ± 0.01\n单位：m = 1，cm = 100"))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(name="后台数值题")
    assert question.type == "numerical"
    assert question.current_version.data["units"][1] == {"name": "cm", "multiplier": "100"}
    edit = client.get(reverse("exams_questions:edit", args=[question.pk])).content.decode()
    assert "3.14 ± 0.01" in edit and "单位：m = 1，cm = 100" in edit
    preview = client.get(reverse("exams_questions:preview_frame", args=[question.pk]))
    assert preview.status_code == 200 and "3.14 ± 0.01 m" in preview.content.decode()


# --- the page ----------------------------------------------------------------------------------


def test_the_page_holds_no_key_and_asks_for_a_decimal_keyboard():
    page = PageItem(position=1, qtype="numerical", qtype_label="数值题", stem="多少？", points=1)
    NUMERICAL.build_page(page, option_order=[], options=[], response="3.1")
    assert page.text == "3.1" and page.client_response == "3.1" and page.inputmode == ""
    assert page.options == [] and page.parts == [] and page.accepted_answers == []
    assert "3.14" not in repr(page)
    NUMERICAL.reveal(page, option_order=[], options=[], accepted=[], data=PI)
    assert page.accepted_answers == ["3.14 ± 0.01 m", "3 ± 0.5 m（50%）", "任意数字（10%）", "可用单位：1 m = 100 cm"]
    assert NUMERICAL.key_text(option_order=[], options=[], accepted=[], data=PI) == "；".join(page.accepted_answers)


def test_from_client_reads_text_and_refuses_anything_else():
    assert NUMERICAL.from_client([], None) is None
    assert NUMERICAL.from_client([], "") is None
    assert NUMERICAL.from_client([], "  3.14 m ") == "3.14 m"
    assert NUMERICAL.to_client([], "3.14 m") == "3.14 m"
    for raw in (3.14, ["3.14"], {"a": 1}, True):
        with pytest.raises(BadAnswer):
            NUMERICAL.from_client([], raw)
    with pytest.raises(BadAnswer) as exc:
        NUMERICAL.from_client([], "1" * 101)
    assert exc.value.too_long == 100


# --- Moodle XML ------------------------------------------------------------------------------------

# question/format/xml/tests/xmlformat_test.php, test_import_numerical_19 (Moodle's own test input).
MOODLE_19 = b"""<?xml version="1.0" encoding="UTF-8"?><quiz>
  <question type="numerical">
    <name>
      <text>Numerical question</text>
    </name>
    <questiontext format="html">
      <text>What is the answer?</text>
    </questiontext>
    <generalfeedback>
      <text>General feedback: Think Hitch-hikers guide to the Galaxy.</text>
    </generalfeedback>
    <defaultgrade>1</defaultgrade>
    <penalty>0.1</penalty>
    <hidden>0</hidden>
    <answer fraction="100">
      <text>42</text>
      <feedback>
        <text>Well done!</text>
      </feedback>
      <tolerance>0.001</tolerance>
    </answer>
    <answer fraction="0">
      <text>13</text>
      <feedback>
        <text>What were you thinking?!</text>
      </feedback>
      <tolerance>1</tolerance>
    </answer>
    <answer fraction="0">
      <text>*</text>
      <feedback>
        <text>Completely wrong.</text>
      </feedback>
      <tolerance></tolerance>
    </answer>
  </question></quiz>"""


@pytest.mark.django_db
def test_moodle_import_numerical_19_keeps_answers_fractions_and_tolerances():
    outcome = import_questions(data=MOODLE_19, fmt="moodle-xml")
    data = Question.objects.get(name="Numerical question").current_version.data
    # Moodle expects answer ['42', '13', '*'], fraction [1, 0, 0], tolerance [0.001, 1, 0].
    assert data["answers"] == [
        {"value": "42", "tolerance": "0.001", "fraction": "1"},
        {"value": "13", "tolerance": "1", "fraction": "0"},
        {"value": "*", "tolerance": "0", "fraction": "0"},
    ]
    warnings = [str(w) for w in outcome.warnings]
    assert any("反馈（feedback）" in w for w in warnings)


def _moodle(question: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><quiz>{question}</quiz>'.encode()


def test_moodle_unit_settings_that_cannot_be_kept_are_named():
    parsed = moodle_xml.parse(
        _moodle(
            '<question type="numerical"><name><text>U</text></name><questiontext><text>速度？</text></questiontext>'
            '<answer fraction="100"><text>10</text><tolerance>-0.5</tolerance></answer>'
            '<answer fraction="0"><text></text></answer>'  # blank: left out, as Moodle does
            "<units><unit><multiplier>1</multiplier><unit_name>m/s</unit_name></unit>"
            "<unit><multiplier>3.6</multiplier><unit_name>km/h</unit_name></unit></units>"
            "<unitgradingtype>2</unitgradingtype><unitpenalty>0.1000000</unitpenalty><showunits>1</showunits>"
            "<unitsleft>1</unitsleft><instructions><text>写单位</text></instructions></question>"
        )
    )
    [draft] = parsed.questions
    assert draft.data["answers"] == [{"value": "10", "tolerance": "0.5", "fraction": Decimal(1)}]  # Moodle: abs()
    assert draft.data["units"] == [{"name": "m/s", "multiplier": "1"}, {"name": "km/h", "multiplier": "3.6"}]
    warnings = [i.message for i in parsed.issues if i.level == "warning"]
    assert any("缺少单位时扣 10%" in w for w in warnings)
    assert any("showunits=1" in w for w in warnings)
    assert any("unitsleft=1" in w for w in warnings)
    assert any("instructions" in w for w in warnings)


def test_moodle_numerical_answer_that_is_not_a_number_is_an_error():
    parsed = moodle_xml.parse(
        _moodle(
            '<question type="numerical"><name><text>坏</text></name><questiontext><text>多少？</text></questiontext>'
            '<answer fraction="100"><text>三</text><tolerance>0</tolerance></answer></question>'
        )
    )
    assert parsed.questions == []
    assert [str(i) for i in parsed.issues if i.level == "error"] == [
        "第 1 行，第 1 题「坏」：数值题的答案“三”不是数字。"
    ]


# --- export → import round trips ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["moodle-xml", "gift", "xlsx"])
def test_export_then_import_gives_the_same_question(fmt):
    _numerical(name="圆周率")
    exported = export_questions(fmt=fmt)
    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()
    import_questions(data=exported, fmt=fmt)
    question = Question.objects.get()
    assert question.type == "numerical"
    assert question.current_version.data == PI


@pytest.mark.django_db
def test_gift_export_writes_as_moodle_does_and_keeps_units_in_a_comment():
    _numerical(name="圆周率")
    text = export_questions(fmt="gift").decode()
    assert "// [units:m=1,cm=100]" in text
    assert "::圆周率::[html]<p>圆周率约等于多少米？</p>{#=3.14:0.01 =%50%3:0.5 =%10%*####" in text


def test_gift_reads_weights_star_and_reports_lost_feedback():
    parsed = gift.parse("::G::多少？{#=%100%2:0.1#好 =%50%*#差 ~#错}\n".encode())
    [draft] = parsed.questions
    assert draft.data["answers"] == [
        {"value": "2", "tolerance": "0.1", "fraction": Decimal(1)},
        {"value": "*", "tolerance": "0", "fraction": Decimal("0.5")},
    ]
    warnings = [i.message for i in parsed.issues if i.level == "warning"]
    assert "答案反馈（# 后的文字）无法保留，已忽略。" in warnings
    assert "答错时的反馈（~ 之后的文字）无法保留，已忽略。" in warnings


def test_gift_units_comment_that_is_broken_is_an_error():
    parsed = gift.parse("// [units:m=一]\n::G::多少？{#2}\n".encode())
    assert parsed.questions == []
    assert [i.message for i in parsed.issues] == ["注释中的单位 [units:m=一]：单位“m”的倍数“一”不是数字。"]


def _workbook(rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(xlsx.headers())
    for values in rows:
        sheet.append([values.get(h, "") for h in xlsx.headers()])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_excel_reads_the_answer_cell_and_names_a_broken_one():
    data = _workbook(
        [
            {"题型": "数值题", "题干": "圆周率？", "答案": "3.14±0.01；３|0.5|50%；单位：m=1，cm=100"},
            {"题型": "数值", "题干": "一加一？", "答案": "2"},
        ]
    )
    import_questions(data=data, fmt="xlsx")
    first = Question.objects.get(current_version__stem="圆周率？").current_version.data
    assert first["answers"][1] == {"value": "3", "tolerance": "0.5", "fraction": "0.5"}
    assert first["units"][1] == {"name": "cm", "multiplier": "100"}
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=_workbook([{"题型": "数值题", "题干": "多少？", "答案": "3|百分之五十%"}]), fmt="xlsx")
    assert [str(e) for e in exc.value.outcome.errors] == [
        "第 2 行，第 1 题「多少？」：「答案」列：第 1 项：得分比例“百分之五十%”无效，应为 0% 到 100% 之间 Moodle "
        "允许的比例（如 100%、50%、33.33333%、10%）。"
    ]


# --- an attempt, and practice ---------------------------------------------------------------------


@pytest.fixture
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.mark.django_db
@pytest.mark.usefixtures("_private_media")
@pytest.mark.parametrize(("partial", "expected"), [(True, Decimal("1.00")), (False, Decimal("0.00"))])
def test_an_attempt_saves_submits_and_scores_a_numerical_answer(learner, partial, expected):
    question = _numerical(points=Decimal("2"))
    exam = f.exam([question], partial_credit=partial)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    [item] = attempt.items.all()
    assert item.qtype == "numerical" and item.option_order == []
    [page] = paper_for_page(attempt)
    assert page.inputmode == "" and page.accepted_answers == []
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": " 3.2 m "}])
    assert AttemptAnswer.objects.get(item=item).response == "3.2 m"
    submit_attempt(attempt_id=attempt.pk, user=learner)
    assert AttemptAnswer.objects.get(item=item).score == expected  # 50% of 2 points, or nothing
    [review] = review_items(attempt, show_key=True)
    assert review.text == "3.2 m" and review.accepted_answers[0] == "3.14 ± 0.01 m"


@pytest.mark.django_db
def test_a_malformed_or_too_long_answer_is_refused_naming_the_question(learner):
    attempt = start_attempt(exam_id=f.exam([_numerical()]).pk, user=learner)
    for seq, (raw, message) in enumerate(
        ((["3"], "第 1 题的作答无效"), ("9" * 101, "第 1 题的答案过长（最多 100 字）")), start=1
    ):
        outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": seq, "response": raw}])
        [result] = outcome.results
        assert not result.accepted and result.error.startswith(message)
    assert AttemptAnswer.objects.get(item__attempt=attempt).response is None


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")
def test_the_postgresql_start_freezes_a_numerical_question_as_draw_paper_does(learner):
    from exams.services.attempts import draw_paper

    questions = [_numerical(), f.question(QuestionType.SINGLE)]
    exam = f.exam(questions, shuffle_options=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    frozen = list(attempt.items.order_by("position").values_list("question_version_id", "qtype", "option_order"))
    assert frozen[0] == (questions[0].current_version_id, "numerical", [])
    assert [(i.version_id, i.qtype) for i in draw_paper(exam)] == [(v, t) for v, t, _o in frozen]


@pytest.mark.django_db
def test_practice_checks_a_numerical_answer_and_shows_the_key():
    from tests.factories import UserFactory

    category = f.category("数值练习")
    category.open_for_practice = True
    category.save()
    question = _numerical(category="数值练习")
    user = UserFactory()

    def answer(raw):
        return answer_question(user=user, question_id=question.pk, version_id=question.current_version_id, raw=raw)

    right, partly = answer("314 cm"), answer("3.2")
    assert right.correct is True and partly.correct is False  # practice is all-or-nothing
    assert right.item.accepted_answers[0] == "3.14 ± 0.01 m"
    with pytest.raises(PracticeError, match="请先作答再提交"):
        answer("")


def test_the_excel_template_offers_the_type_and_explains_its_answer_cell():
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(xlsx.template()))
    [validation, _difficulty] = workbook["题目"].data_validations.dataValidation
    assert "数值题" in validation.formula1
    guide = {row[0]: row[1] for row in workbook["填写说明"].iter_rows(min_row=2, values_only=True)}
    assert "3.14±0.01" in guide["数值题的答案"]
    assert xlsx.type_by_label()["数值"] == "numerical" and "计算题" not in xlsx.type_by_label()


def test_a_fraction_far_out_of_range_is_named_not_a_crash():
    errors = _errors({"answers": [{"value": "1", "tolerance": "0", "fraction": "1e300"}]})
    assert any(e.startswith("第 1 个答案的得分比例“1e300”无效") for e in errors)
