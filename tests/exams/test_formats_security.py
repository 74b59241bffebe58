"""Moodle XML is parsed safely: no DTDs, external entities or entity expansion."""

import pytest

from exams.models import Question
from exams.services.question_import import QuestionImportFailed, import_questions

pytestmark = pytest.mark.django_db

QUESTION = """<question type="truefalse"><name><text>Q</text></name>
<questiontext format="html"><text>{text}</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question>"""

XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<quiz>'
    + QUESTION.format(text="&xxe;")
    + "</quiz>"
)
BILLION_LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + "".join(
        f' <!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i > 1 else "&lol;" * 10}">\n' for i in range(1, 10)
    )
    + "]>\n<quiz>"
    + QUESTION.format(text="&lol9;")
    + "</quiz>"
)
EXTERNAL_DTD = (
    '<?xml version="1.0"?>\n<!DOCTYPE quiz SYSTEM "http://127.0.0.1:9/evil.dtd">\n<quiz>'
    + QUESTION.format(text="x")
    + "</quiz>"
)


@pytest.mark.parametrize("payload", [XXE, BILLION_LAUGHS, EXTERNAL_DTD], ids=["xxe", "billion-laughs", "external-dtd"])
def test_unsafe_xml_is_refused_before_any_entity_is_expanded(payload):
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=payload.encode(), fmt="moodle-xml")
    (error,) = exc.value.outcome.errors
    assert "出于安全原因拒绝导入" in str(error)
    assert error.line == 2
    assert "root:" not in str(error) and "lollol" not in str(error)
    assert not Question.objects.exists()


def test_malformed_xml_names_the_line():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=b'<?xml version="1.0"?>\n<quiz>\n<question type="truefalse">\n</quiz>', fmt="moodle-xml")
    (error,) = exc.value.outcome.errors
    assert error.line == 4 and "不是有效的 XML" in error.message


def test_not_a_moodle_file():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=b"<html><body>hi</body></html>", fmt="moodle-xml")
    assert "<quiz>" in str(exc.value.outcome.errors[0])


def test_script_in_an_imported_stem_is_removed():
    data = (
        "<quiz>"
        + QUESTION.format(text="<![CDATA[<p>题干<script>alert(1)</script></p><img src=x onerror=alert(1)>]]>")
        + "</quiz>"
    ).encode()
    import_questions(data=data, fmt="moodle-xml")
    stem = Question.objects.get().current_version.stem
    assert "script" not in stem and "onerror" not in stem and stem.startswith("<p>题干</p>")
