"""Moodle's own format fixtures (tests/exams/data/moodle, see its README) import as Moodle's tests expect.

For the types the bank holds: counts, types, keys, fractions, categories and their
descriptions. For the rest: refused naming the question and its type, skipped with a
warning on request, and read far enough (``ParseResult.deferred``) for a later type.
"""

from decimal import Decimal
from pathlib import Path

import pytest

from exams.formats import moodle_xml
from exams.grading import score_fraction
from exams.models import Question, QuestionCategory, QuestionType
from exams.services.question_import import QuestionImportFailed, import_questions

pytestmark = pytest.mark.django_db

MOODLE_DIR = Path(__file__).resolve().parent / "data" / "moodle"


def _data(name: str) -> bytes:
    return (MOODLE_DIR / name).read_bytes()


def _import(name: str, **kwargs):
    return import_questions(data=_data(name), fmt="moodle-xml", **kwargs)


def _refused(name: str, **kwargs) -> list[str]:
    with pytest.raises(QuestionImportFailed) as exc:
        _import(name, **kwargs)
    assert not Question.objects.exists() and not QuestionCategory.objects.exists()
    return [str(e) for e in exc.value.outcome.errors]


def _question(name: str) -> Question:
    return Question.objects.select_related("current_version", "category").get(name=name)


def _fractions(question: Question) -> list[tuple[str, str, bool]]:
    return [(o["text"], o["fraction"], o["correct"]) for o in question.current_version.options]


def _warnings(outcome) -> list[str]:
    return [str(w) for w in outcome.warnings]


TESTED = {
    "xml/categories_reverse_order.xml",
    "xml/category_with_description.xml",
    "xml/deprecated_category.xml",
    "xml/export_category.xml",
    "xml/multianswer.xml",
    "xml/nested_categories.xml",
    "xml/old_format_file.xml",
    "xml/sample_questions_with_old_image_tag.xml",
    "qtype/ddwtos.moodle.xml",
    "qtype/essay.moodle.xml",
    "qtype/gapselect.moodle.xml",
    "qtype/match.moodle.xml",
    "qtype/multichoice.moodle.xml",
    "qtype/numerical.moodle.xml",
    "qtype/ordering.moodle.xml",
    "qtype/shortanswer.moodle.xml",
    "qtype/truefalse.moodle.xml",
}


def test_every_moodle_fixture_has_a_test_and_a_source_line():
    present = {str(p.relative_to(MOODLE_DIR)) for p in MOODLE_DIR.rglob("*.xml")}
    assert present == TESTED
    readme = (MOODLE_DIR / "README.md").read_text()
    assert all(f"| {name} |" in readme for name in TESTED)


# --- categories (question/format/xml/tests: test_import_category and friends) ----------------------


@pytest.mark.parametrize("name", ["xml/category_with_description.xml", "xml/deprecated_category.xml"])
def test_category_with_description_and_idnumber(name):
    outcome = _import(name)
    assert outcome.created == 1
    question = _question("Alpha Question")
    assert question.type == QuestionType.TRUEFALSE and question.current_version.correct_keys == ["T"]
    assert question.category.full_path == "Alpha"
    assert question.category.description == "This is Alpha category for test"
    # A category's idnumber has nowhere to go here: said, not dropped silently.
    assert any("分类“Alpha”" in w and "alpha-idnumber" in w for w in _warnings(outcome))


def test_export_category_fixture_imports_its_description():
    _import("xml/export_category.xml")
    assert QuestionCategory.objects.get(full_path="Alpha").description == "This is Alpha category for test"


def test_nested_categories_each_keep_their_description_in_every_text_format():
    outcome = _import("xml/nested_categories.xml", base_category="导入")
    assert outcome.created == 1
    assert _question("Zeta Question").category.full_path == "导入/Delta/Epsilon/Zeta"
    descriptions = dict(QuestionCategory.objects.values_list("full_path", "description"))
    assert descriptions == {
        "导入": "",
        "导入/Delta": "This is Delta category for test",  # plain_text
        "导入/Delta/Epsilon": "This is Epsilon category for test",  # markdown
        "导入/Delta/Epsilon/Zeta": "This is Zeta category for test",  # moodle_auto_format
    }


def test_categories_in_reverse_order_build_the_same_tree():
    outcome = _import("xml/categories_reverse_order.xml")
    assert outcome.created == 2
    assert _question("Tau Question").category.full_path == "Sigma/Tau"
    assert _question("Tau Question").type == QuestionType.SHORT
    sigma = _question("Sigma Question")
    assert sigma.category.full_path == "Sigma" and sigma.type == QuestionType.FILL
    assert sigma.current_version.accepted_answers == ["yes"]
    descriptions = dict(QuestionCategory.objects.values_list("full_path", "description"))
    assert descriptions == {"Sigma": "This is Sigma category for test", "Sigma/Tau": "This is Tau category for test"}


def test_a_description_already_in_the_bank_is_kept_and_an_empty_one_filled():
    from exams.services.questions import ensure_category

    ensure_category("Sigma", description="我们自己的说明")
    ensure_category("Sigma/Tau")
    _import("xml/categories_reverse_order.xml")
    assert QuestionCategory.objects.get(full_path="Sigma").description == "我们自己的说明"
    assert QuestionCategory.objects.get(full_path="Sigma/Tau").description == "This is Tau category for test"


def test_old_format_file_without_descriptions():
    outcome = _import("xml/old_format_file.xml")
    assert outcome.created == 2
    assert _question("Pi Question").category.full_path == "Pi"
    assert _question("Rho Question").category.full_path == "Pi/Rho"
    assert all(c.description == "" for c in QuestionCategory.objects.all())


# --- the types the bank holds (question/type/*/tests/fixtures/testquestion.moodle.xml) ---------------


def test_qtype_multichoice_multiple_answers_with_partial_credit():
    outcome = _import("qtype/multichoice.moodle.xml")
    question = _question("Multi-choice-001")
    assert question.type == QuestionType.MULTIPLE
    assert question.category.full_path == "Default for C1"
    assert _fractions(question) == [
        ("Tokyo", "0", False),
        ("Spain", "0", False),
        ("London", "0.5", True),
        ("Barcelona", "0", False),
        ("Paris", "0.5", True),
    ]
    assert question.current_version.correct_keys == ["C", "E"]
    assert question.current_version.explanation == "Berlin, Paris and London"
    warnings = _warnings(outcome)
    assert any("Multi-choice-001" in w and "提示（hint）" in w for w in warnings)
    # Moodle's default combined feedback is not a loss worth a warning; nothing was normalised.
    assert not any("综合反馈" in w or "按比例调整" in w for w in warnings)


def test_qtype_truefalse():
    _import("qtype/truefalse.moodle.xml")
    question = _question("true-false-001")
    assert question.type == QuestionType.TRUEFALSE and question.current_version.correct_keys == ["T"]
    assert question.current_version.explanation == "You should have selected true."


def test_qtype_shortanswer_keeps_full_marks_answers_and_reports_the_rest():
    outcome = _import("qtype/shortanswer.moodle.xml")
    question = _question("shortanswer-001")
    assert question.type == QuestionType.FILL
    assert question.current_version.accepted_answers == ["frog"]
    warnings = _warnings(outcome)
    assert any("shortanswer-001" in w and "“toad”（80%）" in w for w in warnings)
    assert any("shortanswer-001" in w and "反馈（feedback）" in w for w in warnings)
    # The 0% "*" catch-all only carried feedback (reported above); it is no lost answer.
    assert not any("通配符" in w for w in warnings)


def test_qtype_essay():
    outcome = _import("qtype/essay.moodle.xml")
    question = _question("essay-001")
    assert question.type == QuestionType.SHORT
    assert question.current_version.stem == "Write an essay with 500 words."
    assert question.current_version.explanation == "This is general feedback"
    assert outcome.warnings == []


@pytest.mark.parametrize(
    ("name", "title", "qtype"),
    [
        ("qtype/gapselect.moodle.xml", "Imported Select missing words 001", QuestionType.GAPSELECT),
        # Moodle's ddwtos fixture is, in fact, a gapselect question (the drag-into-text XML is tested in
        # tests/exams/test_qtype_gaps.py, from Moodle's qtype_ddwtos questiontype_test).
        ("qtype/ddwtos.moodle.xml", "Imported Drag and drop into text 001", QuestionType.GAPSELECT),
    ],
)
def test_qtype_gapselect_and_ddwtos(name, title, qtype):
    outcome = _import(name)
    question = _question(title)
    version = question.current_version
    assert question.type == qtype
    assert version.stem == "The [[1]] [[2]] on the [[3]]."
    choices = [o for o in version.options if o["key"].startswith("C")]
    assert [(o["text"], o["group"], o["shuffle"]) for o in choices] == [
        (text, 1, "never") for text in ("cat", "sat", "mat", "dog", "table")
    ]
    by_key = {o["key"]: o["text"] for o in choices}
    gaps = [o for o in version.options if o["key"].startswith("P")]
    assert [(o["key"], by_key[o["answer"]]) for o in gaps] == [("P1.1", "cat"), ("P2.1", "sat"), ("P3.1", "mat")]
    assert version.explanation == "The cat sat on the mat."
    assert f"第 56 行，第 1 题「{title}」：提示（hint）无法保留，已忽略。" in _warnings(outcome)


def test_qtype_ordering_items_in_file_order_with_moodles_grading_type():
    # question/type/ordering/tests: the fixture's items in Moodle's order, ABSOLUTE_POSITION grading.
    outcome = _import("qtype/ordering.moodle.xml")
    assert outcome.created == 1
    question = _question("dd-ordering 1")
    version = question.current_version
    assert question.type == "ordering" and question.idnumber == "dd1"
    assert [o["text"] for o in version.options] == [
        "Modular",
        "Object",
        "Oriented",
        "Dynamic",
        "Learning",
        "Environment",
    ]
    assert version.data == {"grading": "ABSOLUTE_POSITION"}
    assert "The correct answer is &quot;Modular Object Oriented" in version.explanation
    warnings = _warnings(outcome)
    # Display settings we do not keep are said; Moodle's default feedback and empty hints are no loss.
    assert any("layouttype=HORIZONTAL" in w for w in warnings) and any("showgrading" in w for w in warnings)
    assert not any("综合反馈" in w or "提示（hint）" in w or "selecttype" in w for w in warnings)


def test_qtype_match_as_moodle_makes_the_question_instance():
    """question/type/match/tests: stems frog, cat, newt; choices amphibian, mammal, insect (each text once);
    right frog→amphibian, cat→mammal, newt→amphibian; a random guess earns 1/3."""
    outcome = _import("qtype/match.moodle.xml")
    question = _question("matching-001")
    assert question.type == QuestionType.MATCHING
    assert question.category.full_path == "Test questions"
    version = question.current_version
    assert version.stem == "Classify the animals."
    assert version.explanation == "General feedback."
    assert version.points == Decimal("1")
    texts = {o["key"]: o["text"] for o in version.options}
    stems = [o for o in version.options if o["key"].startswith("P")]
    assert [o["text"] for o in stems] == ["frog", "cat", "newt"]
    assert [texts[o["answer"]] for o in stems] == ["amphibian", "mammal", "amphibian"]
    choices = [o for o in version.options if o["key"].startswith("C")]
    assert [o["text"] for o in choices] == ["amphibian", "mammal", "insect"]
    assert all(o["shuffle"] == "always" for o in choices)
    assert not any("shuffle" in o for o in stems)  # <shuffleanswers>true: shuffled when the exam shuffles
    # Moodle's get_possible_responses: each right stem earns 1/3, so two right of three is 2/3.
    right = {o["key"]: o["answer"] for o in stems}
    two_right = {"P1.1": right["P1.1"], "P2.1": right["P2.1"], "P3.1": "C1.3"}
    assert score_fraction("matching", version.options, [], two_right, partial_credit=True) == Decimal(2) / 3
    warnings = _warnings(outcome)
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        assert any("matching-001" in w and tag in w for w in warnings)
    assert any("penalty" in w and "matching-001" in w for w in warnings)


# --- types the bank cannot hold: named, skippable, and read for later ---------------------------

CALCULATED = """<?xml version="1.0" encoding="UTF-8"?>
<quiz>
  <question type="calculated">
    <name><text>罚款计算</text></name>
    <questiontext format="html"><text>违法所得 {a} 万元，按 {b} 倍罚款，应罚多少万元？</text></questiontext>
    <answer fraction="100"><text>{a}*{b}</text><tolerance>0.01</tolerance></answer>
  </question>
  <question type="ddimageortext">
    <name><text>执法文书要素</text></name>
    <questiontext format="html"><text>把要素拖到文书上。</text></questiontext>
  </question>
  <question type="truefalse">
    <name><text>判断</text></name>
    <questiontext format="html"><text>行政处罚应当公开。</text></questiontext>
    <answer fraction="100"><text>true</text></answer>
    <answer fraction="0"><text>false</text></answer>
  </question>
</quiz>
"""


def test_types_no_type_reads_are_refused_naming_question_and_type_or_skipped_on_request():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=CALCULATED.encode(), fmt="moodle-xml")
    assert [str(e) for e in exc.value.outcome.errors] == [
        "第 3 行，第 1 题「罚款计算」：不支持的题型：计算题（calculated）。",
        "第 8 行，第 2 题「执法文书要素」：不支持的题型：拖放到图片题（ddimageortext）。",
    ]
    assert not Question.objects.exists()
    outcome = import_questions(data=CALCULATED.encode(), fmt="moodle-xml", skip_unsupported=True)
    assert outcome.created == 1 and _question("判断").type == QuestionType.TRUEFALSE
    assert any("罚款计算" in str(w) and "已按要求跳过" in str(w) for w in outcome.warnings)
    # A calculated question's answers are read far enough to name them (a later type would start there).
    deferred = moodle_xml.parse(CALCULATED.encode()).deferred
    assert [(d.qtype, d.name) for d in deferred] == [("calculated", "罚款计算"), ("ddimageortext", "执法文书要素")]
    assert deferred[0].data["answers"] == [{"value": "{a}*{b}", "tolerance": "0.01", "fraction": 1}]


def test_multianswer_imports_as_cloze_with_its_subquestions_kinds_and_fractions():
    """Moodle's multianswer.xml (its behat import: one question, "cloze with images"): five blanks."""
    outcome = _import("xml/multianswer.xml")
    assert outcome.created == 1
    question = _question("cloze with images")
    version = question.current_version
    assert question.type == QuestionType.CLOZE
    assert question.category.full_path == "Default for Test images in backup"
    assert [f"{{#{n}}}" in version.stem for n in range(1, 6)] == [True] * 5 and "{1:" not in version.stem
    assert version.stem.count('src="data:image/png;base64,') == 2
    assert '<img alt="Moodle logo"' in version.explanation
    parts = [o for o in version.options if o["key"].startswith("P")]
    assert [(p["key"], p["moodle"], p["weight"]) for p in parts] == [
        ("P1.1", "MULTICHOICE", 1),
        ("P2.2", "MULTICHOICE", 1),
        ("P3.3", "MULTICHOICE", 1),
        ("P4.4", "MULTICHOICE", 1),
        ("P5.t", "SHORTANSWER", 1),
    ]
    choices = [(o["key"], o["text"], o["fraction"]) for o in version.options if o["key"].startswith("C")]
    assert choices == [
        ("C1.1", "California", "1"),
        ("C1.2", "Arizona", "0"),
        ("C2.1", "California", "0"),
        ("C2.2", "Arizona", "1"),
        ("C3.1", "California", "1"),
        ("C3.2", "Arizona", "0"),
        ("C4.1", "California", "0"),
        ("C4.2", "Arizona", "1"),
    ]
    assert parts[4]["answers"] == [
        {"text": "Paris", "fraction": "1"},
        {"text": "Marseille", "fraction": "0.5"},
        {"text": "*", "fraction": "0"},
    ]
    assert parts[4]["case"] is False
    warnings = _warnings(outcome)
    assert any("各空答案的反馈（# 后的文字）无法保留" in w for w in warnings)
    assert any("重答扣分（penalty）" in w for w in warnings)


def test_numerical_question_is_read_with_its_tolerance_and_units():
    data = (
        b'<?xml version="1.0" encoding="UTF-8"?><quiz><question type="numerical"><name><text>N</text></name>'
        b'<questiontext format="html"><text>How many?</text></questiontext>'
        b'<answer fraction="100"><text>3.14</text><tolerance>0.01</tolerance></answer>'
        b'<answer fraction="50"><text>3</text><tolerance>0.5</tolerance></answer>'
        b"<units><unit><multiplier>1</multiplier><unit_name>m</unit_name></unit></units></question></quiz>"
    )
    parsed = moodle_xml.parse(data)
    assert [i for i in parsed.issues if i.level != "warning"] == [] and parsed.deferred == []
    [draft] = parsed.questions
    assert draft.qtype == QuestionType.NUMERICAL
    assert draft.data == {
        "answers": [
            {"value": "3.14", "tolerance": "0.01", "fraction": Decimal(1)},
            {"value": "3", "tolerance": "0.5", "fraction": Decimal("0.5")},
        ],
        "units": [{"name": "m", "multiplier": "1"}],
    }
    outcome = import_questions(data=data, fmt="moodle-xml")
    assert outcome.created == 1
    assert _question("N").current_version.data == {
        "answers": [
            {"value": "3.14", "tolerance": "0.01", "fraction": "1"},
            {"value": "3", "tolerance": "0.5", "fraction": "0.5"},
        ],
        "units": [{"name": "m", "multiplier": "1"}],
    }


def test_qtype_numerical_fixture_imports_its_answer_and_tolerance():
    # question/type/numerical/tests/behat/import.feature: one question, Numerical-001.
    outcome = _import("qtype/numerical.moodle.xml")
    assert outcome.created == 1
    question = _question("Numerical-001")
    assert question.type == QuestionType.NUMERICAL
    assert question.category.full_path == "Default for C1"
    version = question.current_version
    assert version.stem == "What is the average of 4, 5, 6 and 10?"
    assert version.explanation == "The average is 6.25"
    assert version.data == {"answers": [{"value": "6.25", "tolerance": "0.05", "fraction": "1"}], "units": []}
    assert version.options == [] and version.accepted_answers == []
    warnings = _warnings(outcome)
    assert any("Numerical-001" in w and "提示（hint）" in w for w in warnings)
    assert any("Numerical-001" in w and "penalty" in w for w in warnings)


# --- images in every Moodle form ------------------------------------------------------------------


def test_old_image_tag_puts_the_image_after_the_stem_of_both_questions():
    outcome = _import("xml/sample_questions_with_old_image_tag.xml")
    assert outcome.created == 2  # as Moodle's behat import: "Importing 2 questions from file"
    cloze = _question("cloze question with image")
    assert cloze.type == QuestionType.CLOZE
    assert cloze.current_version.stem.startswith("This is a multianswer question with an image in the old")
    assert '<img alt="moodle.png" src="data:image/png;base64,iVBORw0KGgo' in cloze.current_version.stem
    assert [o["key"] for o in cloze.current_version.options if o["key"].startswith("P")] == [
        "P1.1",
        "P2.2",
        "P3.3",
        "P4.4",
        "P5.t",
    ]
    question = _question("mcq with image")
    stem = question.current_version.stem
    assert stem.startswith("This is a multichoice question with an image in the old")
    assert '<img alt="moodle.png" src="data:image/png;base64,iVBORw0KGgo' in stem
    assert question.type == QuestionType.SINGLE
    assert _fractions(question) == [
        ("wrong answer", "0", False),
        ("another wrong answer", "0", False),
        ("right answer", "1", True),
    ]
    assert question.category.full_path == "Default for Test images in backup"
