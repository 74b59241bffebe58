"""Edge cases of the formats that the shared sample files do not cover."""

import pytest
from django.test import override_settings

from exams.models import Question, QuestionType
from exams.services.question_import import QuestionImportFailed, import_questions

pytestmark = pytest.mark.django_db


def _xml(body: str) -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n{body}\n</quiz>'.encode()


def test_gift_saved_by_notepad_in_gbk_is_read_with_a_warning():
    data = "::判断::行政处罚由具有行政处罚权的行政机关实施。{T}\n".encode("gb18030")
    outcome = import_questions(data=data, fmt="gift")
    assert Question.objects.get().current_version.stem == "行政处罚由具有行政处罚权的行政机关实施。"
    assert any("GB18030" in str(w) for w in outcome.warnings)


def test_gift_chinese_question_with_weights_escapes_and_categories():
    text = (
        "// 注释行\n$CATEGORY: $course$/top/法律知识/行政处罚法\n\n"
        "// [tag:行政处罚法] [points:3] [difficulty:hard] [id:XF-2]\n"
        "::种类::行政处罚的种类包括（　　）\\: {\n"
        "  ~%50%警告 # 对\n  ~%50%罚款\n  ~%-100%记过\n  ~%-100%撤职\n"
        "  ####记过、撤职是政务处分。\n}\n\n"
        "::填空::行政许可应当遵循公开、公平、公正、{=非歧视 =非歧视原则}的原则。\n"
    )
    outcome = import_questions(data=text.encode(), fmt="gift")
    assert outcome.created == 2
    multiple = Question.objects.get(name="种类")
    version = multiple.current_version
    assert multiple.type == QuestionType.MULTIPLE
    assert multiple.category.full_path == "法律知识/行政处罚法"
    assert version.stem == "行政处罚的种类包括（　　）:"
    assert version.correct_keys == ["A", "B"]
    assert str(version.points) == "3.00" and version.difficulty == "hard"
    assert multiple.idnumber == "XF-2" and [t.name for t in multiple.tags.all()] == ["行政处罚法"]
    assert version.explanation == "记过、撤职是政务处分。"
    fill = Question.objects.get(name="填空")
    assert fill.current_version.stem == "行政许可应当遵循公开、公平、公正、_____的原则。"
    assert fill.current_version.accepted_answers == ["非歧视", "非歧视原则"]


def test_gift_unbalanced_brace_is_an_error_naming_the_question():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data="::坏题::题干 {=甲 ~乙\n".encode(), fmt="gift")
    assert "第 1 行，第 1 题「坏题」：花括号不配对" in str(exc.value.outcome.errors[0])


def test_gift_weight_that_moodle_does_not_allow_is_an_error():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data="::权重::题干{~%33%甲 ~%67%乙 ~丙}\n".encode(), fmt="gift")
    assert "%33%" in str(exc.value.outcome.errors[0])


def test_moodle_description_is_listed_not_imported_and_numerical_is_read():
    body = (
        '<question type="description"><name><text>说明</text></name><questiontext format="html"><text>只是说明</text></questiontext></question>\n'
        '<question type="numerical"><name><text>数值</text></name><questiontext format="html"><text>1+1=?</text></questiontext>'
        '<answer fraction="100"><text>2</text><tolerance>0</tolerance></answer></question>'
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert outcome.created == 1
    question = Question.objects.get()
    assert question.type == "numerical"
    assert question.current_version.data["answers"] == [{"value": "2", "tolerance": "0", "fraction": "1"}]
    assert any("说明（description）不是题目" in str(w) for w in outcome.warnings)


def test_moodle_html_answer_with_image_loses_it_with_a_warning():
    body = (
        '<question type="multichoice"><name><text>图</text></name><questiontext format="html"><text>选哪个</text></questiontext>'
        "<single>true</single>"
        '<answer fraction="100" format="html"><text><![CDATA[<p>甲<img src="http://x/a.png"></p>]]></text></answer>'
        '<answer fraction="0" format="html"><text><![CDATA[<p>乙</p>]]></text></answer></question>'
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    assert [o["text"] for o in Question.objects.get().current_version.options] == ["甲", "乙"]
    assert any("选项中的图片无法保留" in str(w) for w in outcome.warnings)


def test_moodle_image_that_is_not_an_image_is_reported():
    body = (
        '<question type="truefalse"><name><text>假图</text></name><questiontext format="html">'
        '<text><![CDATA[<p>看图<img src="@@PLUGINFILE@@/x.png"></p>]]></text>'
        '<file name="x.png" path="/" encoding="base64">PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==</file></questiontext>'
        '<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>'
    )
    outcome = import_questions(data=_xml(body), fmt="moodle-xml")
    stem = Question.objects.get().current_version.stem
    assert "img" not in stem and "PLUGINFILE" not in stem
    assert any("x.png" in str(w) and "不是可识别的图片" in str(w) for w in outcome.warnings)
    assert not any("张图片无法保留" in str(w) for w in outcome.warnings)  # the same loss is reported once


@override_settings(MAX_IMPORT_FILE_BYTES=100)
def test_oversized_file_is_refused():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=b"x" * 101, fmt="aiken")
    assert "文件过大" in str(exc.value.outcome.errors[0])


def test_empty_file_says_there_are_no_questions():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=b"", fmt="gift")
    assert "没有题目" in str(exc.value.outcome.errors[0])
