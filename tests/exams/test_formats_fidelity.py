"""Moodle fidelity of the formats: what Moodle accepts imports, every loss is said, nothing vanishes."""

import base64
import io
from decimal import Decimal

import pytest
from PIL import Image

from exams.formats import gift
from exams.models import Question, QuestionCategory, QuestionType, QuestionVersion
from exams.services.question_import import QuestionImportFailed, export_questions, import_questions

pytestmark = pytest.mark.django_db


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (3, 3), (0, 90, 200)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>\n'.encode()


def _multichoice(name: str, answers: str, extra: str = "") -> str:
    return (
        f'<question type="multichoice"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text>行政处罚的种类包括：</text></questiontext>{extra}{answers}</question>'
    )


def _answer(fraction: str, text: str) -> str:
    return f'<answer fraction="{fraction}" format="plain_text"><text>{text}</text></answer>'


def _warnings(outcome) -> list[str]:
    return [str(w) for w in outcome.warnings]


def _wipe():
    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()
    QuestionCategory.objects.all().delete()


# --- multiple-answer fractions as Moodle accepts them ---------------------------------------------


def test_moodle_export_with_each_right_option_at_100_percent_is_normalised_and_said():
    answers = _answer("100", "警告") + _answer("100", "罚款") + _answer("-100", "记过") + _answer("0", "撤职")
    outcome = import_questions(data=_xml(_multichoice("种类", answers, "<single>false</single>")), fmt="moodle-xml")
    question = Question.objects.select_related("current_version").get()
    assert question.type == QuestionType.MULTIPLE
    assert [(o["fraction"], o["correct"]) for o in question.current_version.options] == [
        ("0.5", True),
        ("0.5", True),
        ("-1", False),
        ("0", False),
    ]
    [warning] = [w for w in _warnings(outcome) if "按比例调整" in w]
    assert warning.startswith("第 3 行，第 1 题「种类」")
    assert "200%" in warning and "A 100%→50%、B 100%→50%" in warning


def test_right_options_adding_up_to_less_than_100_percent_are_scaled_up():
    answers = _answer("25", "甲") + _answer("25", "乙") + _answer("0", "丙")
    outcome = import_questions(data=_xml(_multichoice("少", answers, "<single>false</single>")), fmt="moodle-xml")
    options = Question.objects.get().current_version.options
    assert [o["fraction"] for o in options] == ["0.5", "0.5", "0"]
    assert any("50%" in w and "按比例调整" in w for w in _warnings(outcome))


def test_gift_multiple_answer_with_full_weights_is_normalised_too():
    text = "::多选::下列属于行政处罚的是 {~%100%警告 ~%100%罚款 ~%100%没收违法所得 ~%-100%记过}\n"
    outcome = import_questions(data=text.encode(), fmt="gift")
    options = Question.objects.get().current_version.options
    assert [o["fraction"] for o in options] == ["0.3333333", "0.3333333", "0.3333333", "-1"]
    assert any("「多选」" in w and "300%" in w for w in _warnings(outcome))


# --- Moodle's defaults when elements are missing ------------------------------------------------------


def test_missing_single_is_single_choice_as_in_moodle():
    answers = _answer("100", "印章") + _answer("0", "签名")
    import_questions(data=_xml(_multichoice("缺省", answers)), fmt="moodle-xml")
    question = Question.objects.select_related("current_version").get()
    assert question.type == QuestionType.SINGLE and question.current_version.correct_keys == ["A"]


@pytest.mark.parametrize(("value", "single"), [("true", True), ("1", True), ("false", False), ("0", False)])
def test_single_in_each_spelling(value, single):
    answers = _answer("100", "甲") + _answer("0", "乙")
    import_questions(data=_xml(_multichoice("拼写", answers, f"<single>{value}</single>")), fmt="moodle-xml")
    assert Question.objects.get().type == (QuestionType.SINGLE if single else QuestionType.MULTIPLE)


def test_options_that_must_stay_in_order_are_reported():
    answers = _answer("0", "甲") + _answer("100", "以上都对")
    outcome = import_questions(
        data=_xml(_multichoice("顺序", answers, "<shuffleanswers>0</shuffleanswers>")), fmt="moodle-xml"
    )
    assert any("「顺序」" in w and "shuffleanswers=0" in w for w in _warnings(outcome))
    _wipe()
    outcome = import_questions(data=_xml(_multichoice("默认", answers)), fmt="moodle-xml")
    assert not any("shuffleanswers" in w for w in _warnings(outcome))


def test_truefalse_with_other_answer_texts_is_read_in_order_as_moodle_does():
    body = (
        '<question type="truefalse"><name><text>旧式</text></name><questiontext format="html"><text>送达回证须签名。'
        '</text></questiontext><answer fraction="0"><text>是</text></answer><answer fraction="100"><text>否</text>'
        "</answer></question>"
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert Question.objects.get().current_version.correct_keys == ["F"]
    assert any("「旧式」" in w and "“是”" in w and "第一个答案当作“正确”" in w for w in _warnings(outcome))


# --- images in every form, and what cannot be kept is said ---------------------------------------------


def test_data_uri_images_in_html_are_kept():
    png = _png()
    body = _multichoice(
        "内嵌",
        _answer("100", "甲") + _answer("0", "乙"),
    ).replace(
        "<text>行政处罚的种类包括：</text>",
        f'<text><![CDATA[<p>看图<img src="data:image/png;base64,{png}"></p>]]></text>',
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert f"data:image/png;base64,{png}" in Question.objects.get().current_version.stem
    assert not any("图片" in w for w in _warnings(outcome))


def test_an_image_the_bank_cannot_keep_is_reported_not_dropped_silently():
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg"/>').decode()
    body = _multichoice("矢量图", _answer("100", "甲") + _answer("0", "乙")).replace(
        "<text>行政处罚的种类包括：</text>",
        f'<text><![CDATA[<p>看图<img src="data:image/svg+xml;base64,{svg}"></p>]]></text>',
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert "<img" not in Question.objects.get().current_version.stem
    assert any("「矢量图」" in w and "1 张图片无法保留" in w for w in _warnings(outcome))


def test_grader_information_with_an_image_is_reported():
    body = (
        '<question type="essay"><name><text>简答</text></name><questiontext format="html"><text>论述</text></questiontext>'
        '<graderinfo format="html"><text><![CDATA[<p>要点<img src="http://example.org/a.png"></p>]]></text></graderinfo>'
        "</question>"
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert Question.objects.get().current_version.accepted_answers == ["要点"]
    assert any("「简答」" in w and "评分参考" in w and "图片" in w for w in _warnings(outcome))


# --- <pre> and line breaks ----------------------------------------------------------------------------------

PRE = "<p>下列程序输出什么？</p><pre>if 违法:\n    处罚()\n</pre>"


def test_moodle_xml_keeps_pre_and_line_breaks():
    body = (
        f'<question type="truefalse"><name><text>代码</text></name><questiontext format="html"><text><![CDATA[{PRE}]]>'
        '</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
        '</answer></question><question type="truefalse"><name><text>换行</text></name><questiontext format="plain_text">'
        '<text>第一行\n第二行</text></questiontext><answer fraction="100"><text>true</text></answer>'
        '<answer fraction="0"><text>false</text></answer></question>'
    )
    import_questions(data=_xml(body), fmt="moodle-xml")
    assert Question.objects.get(name="代码").current_version.stem == PRE
    assert Question.objects.get(name="换行").current_version.stem == "第一行<br/>第二行"


def test_gift_keeps_the_indentation_of_a_pre_block():
    text = "::代码::[html]<p>下列程序输出什么？</p><pre>if 违法\\:\n    处罚()\n</pre>{T}\n"
    import_questions(data=text.encode(), fmt="gift")
    assert Question.objects.get().current_version.stem == "<p>下列程序输出什么？</p><pre>if 违法:\n    处罚()\n</pre>"


# --- GIFT: numerical, ranges, matching and missing words are recognised and read ----------------------------------


def test_gift_numerical_ranges_tolerances_and_matching_are_read():
    text = (
        "::范围::罚款数额在多少之间？{#1..5}\n\n"
        "::容差::圆周率？{#=3.14:0.01 =%50%3:0.5 ~#不对}\n\n"
        "::匹配::对应关系 {=警告 -> 申诫罚 =罚款 -> 财产罚 =拘留 -> 人身罚}\n\n"
        "::缺词::行政处罚由 {=行政机关 ~法院} 实施。\n"
    )
    parsed = gift.parse(text.encode())
    assert [str(i) for i in parsed.issues if i.level == "unsupported"] == []
    assert [str(i) for i in parsed.issues if i.level == "warning"] == [
        "第 3 行，第 2 题「容差」：答错时的反馈（~ 之后的文字）无法保留，已忽略。"
    ]
    by_name = {d.name: d for d in parsed.questions}
    assert by_name["范围"].qtype == QuestionType.NUMERICAL
    assert by_name["范围"].data == {"answers": [{"value": "3", "tolerance": "2", "fraction": Decimal(1)}]}
    assert by_name["容差"].data == {
        "answers": [
            {"value": "3.14", "tolerance": "0.01", "fraction": Decimal(1)},
            {"value": "3", "tolerance": "0.5", "fraction": Decimal("0.5")},
        ]
    }
    matching, missing = by_name["匹配"], by_name["缺词"]
    assert matching.qtype == QuestionType.MATCHING and matching.stem == "对应关系"
    assert matching.options == [
        {"text": "警告", "answer": "申诫罚"},
        {"text": "罚款", "answer": "财产罚"},
        {"text": "拘留", "answer": "人身罚"},
    ]
    assert missing.form == "missing_word" and missing.stem == "行政处罚由 _____ 实施。"
    assert missing.qtype == QuestionType.SINGLE


def test_gift_numerical_that_is_not_a_number_is_an_error_naming_the_question():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data="::坏数::多少？{#三}\n".encode(), fmt="gift", skip_unsupported=True)
    assert "第 1 行，第 1 题「坏数」：数值题的答案“三”不是数字。" in [str(e) for e in exc.value.outcome.errors]


# --- round trips keep category descriptions, images and <pre> -----------------------------------------------------


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift"])
def test_round_trip_keeps_images_and_pre(fmt):
    png = _png()
    stem = f'<p>看图<img alt="印章" src="data:image/png;base64,{png}"/></p>{PRE}'
    body = (
        f'<question type="truefalse"><name><text>图与代码</text></name><questiontext format="html"><text><![CDATA[{stem}]]>'
        '</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
        "</answer></question>"
    )
    import_questions(data=_xml(body), fmt="moodle-xml")
    before = Question.objects.get().current_version.stem
    assert before == stem
    data = export_questions(fmt=fmt)
    _wipe()
    outcome = import_questions(data=data, fmt=fmt)
    assert outcome.warnings == []
    assert Question.objects.get().current_version.stem == before


def test_moodle_xml_round_trip_keeps_category_descriptions():
    body = (
        '<question type="category"><category><text>$course$/top/行政执法</text></category>'
        '<info format="html"><text>行政执法类题目</text></info></question>'
        '<question type="category"><category><text>$course$/top/行政执法/执法文书</text></category>'
        '<info format="plain_text"><text>文书制作\n与送达</text></info></question>'
        '<question type="truefalse"><name><text>文书</text></name><questiontext format="html"><text>送达回证须签名。'
        '</text></questiontext><answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text>'
        "</answer></question>"
    )
    import_questions(data=_xml(body), fmt="moodle-xml")
    before = dict(QuestionCategory.objects.values_list("full_path", "description"))
    assert before == {"行政执法": "行政执法类题目", "行政执法/执法文书": "文书制作\n与送达"}
    data = export_questions(fmt="moodle-xml")
    assert b'<info format="plain_text">' in data
    _wipe()
    import_questions(data=data, fmt="moodle-xml")
    assert dict(QuestionCategory.objects.values_list("full_path", "description")) == before
