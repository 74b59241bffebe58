"""Every file in tests/exams/data/question-formats: good ones import right, broken ones import nothing."""

from decimal import Decimal

import pytest

from exams.models import Question, QuestionCategory, QuestionType
from exams.services.question_import import QuestionImportFailed, import_questions

from .factories_questions import FORMATS_DIR

pytestmark = pytest.mark.django_db


def _read(name: str) -> bytes:
    return (FORMATS_DIR / name).read_bytes()


def _import(name: str, fmt: str, **kwargs):
    return import_questions(data=_read(name), fmt=fmt, **kwargs)


def _failure(name: str, fmt: str, **kwargs) -> list[str]:
    with pytest.raises(QuestionImportFailed) as exc:
        _import(name, fmt, **kwargs)
    assert not Question.objects.exists()
    assert not QuestionCategory.objects.exists()
    return [str(e) for e in exc.value.outcome.errors]


def _by_name(name: str) -> Question:
    return Question.objects.select_related("current_version", "category").get(name=name)


def test_every_shared_file_is_covered_by_a_test():
    covered = {
        "gift/questions.gift.txt",
        "gift/questions_in_category.gift.txt",
        "aiken/questions.aiken.txt",
        "aiken/aiken_errors.txt",
        "moodle-xml/error_invalid_grades.xml",
        "moodle-xml/broken_cloze_questions.xml",
        "moodle-xml/html_chars_in_idnumbers.xml",
        "moodle-xml/nested_categories_with_questions.xml",
        "moodle-xml/zh_embedded_image.xml",
    }
    present = {
        str(p.relative_to(FORMATS_DIR)) for p in FORMATS_DIR.rglob("*") if p.is_file() and p.name != "SOURCES.md"
    }
    assert present == covered


# --- Aiken ---------------------------------------------------------------------------


def test_aiken_questions_import_as_single_choice():
    outcome = _import("aiken/questions.aiken.txt", "aiken", base_category="Aiken")
    assert outcome.created == 2
    first, second = Question.objects.order_by("id").select_related("current_version")
    assert first.type == QuestionType.SINGLE
    assert first.current_version.stem == "The Moodle project was started by:"
    assert [o["text"] for o in first.current_version.options] == [
        "Petr Skoda",
        "Martin Dougiamas",
        "Eloy Lafuente",
        "Tim Hunt",
    ]
    assert first.current_version.correct_keys == ["B"]
    assert first.current_version.points == Decimal("1.00")
    # Aiken is plain text: the markup in the stem stays literal text, never HTML.
    assert "&lt;html class=&quot;cool&quot;&gt; &amp; images:" in second.current_version.stem
    assert second.current_version.correct_keys == ["A"]
    assert first.category.full_path == "Aiken"


def test_aiken_errors_import_nothing_and_name_each_problem_by_line():
    errors = _failure("aiken/aiken_errors.txt", "aiken")
    assert len(errors) == 4
    assert errors[0].startswith("第 3 行，第 1 题「A question with too few") and "至少需要两个选项" in errors[0]
    assert errors[1].startswith("第 5 行") and "题目尚未开始" in errors[1]
    assert errors[2].startswith("第 7 行") and "ANSWER 行前面没有题目" in errors[2]
    assert errors[3].startswith("第 18 行") and "A question started but" in errors[3] and "缺少 ANSWER 行" in errors[3]


# --- GIFT ----------------------------------------------------------------------------


def test_gift_sample_imports_whole_with_its_matching_and_numerical_questions():
    outcome = _import("gift/questions.gift.txt", "gift", base_category="GIFT")
    assert outcome.created == 9
    assert _by_name("Moodle activities").type == QuestionType.MATCHING
    assert _by_name("Q5").type == QuestionType.NUMERICAL


def test_gift_sample_with_skipping_on_imports_everything_and_lists_what_was_lost():
    outcome = _import("gift/questions.gift.txt", "gift", base_category="GIFT", skip_unsupported=True)
    assert outcome.created == 9  # nothing left to skip
    warnings = [str(w) for w in outcome.warnings]
    assert not any("跳过" in w for w in warnings)
    assert any("Cat" in w and "50%" in w for w in warnings)
    assert not any("通配符" in w for w in warnings)  # "=%0%*" only carried feedback
    # Q5's "~#Completely wrong" is Moodle's feedback for any wrong number: said to be lost.
    assert any("第 31 行" in w and "Q5" in w and "答错时的反馈" in w for w in warnings)
    assert any("第 14 行" in w and "Q2" in w and "反馈" in w for w in warnings)

    numerical = _by_name("Q5")  # Moodle's giftformat_test: answer 3, tolerance 2
    assert numerical.type == QuestionType.NUMERICAL
    assert numerical.current_version.data == {
        "answers": [{"value": "3", "tolerance": "2", "fraction": "1"}],
        "units": [],
    }

    essay = _by_name("Q8")
    assert essay.type == QuestionType.SHORT and essay.current_version.stem == "How are you?"

    single = _by_name("Q2")
    assert single.type == QuestionType.SINGLE
    assert [o["text"] for o in single.current_version.options] == ["yellow", "red", "blue"]
    assert single.current_version.correct_keys == ["A"]

    multiple = _by_name("colours")
    assert multiple.type == QuestionType.MULTIPLE
    options = multiple.current_version.options
    assert [(o["text"], o["fraction"], o["correct"]) for o in options] == [
        ("yellow", "0.5", True),
        ("red", "-1", False),
        ("off-beige", "0.5", True),
        ("blue", "-1", False),
    ]

    fill = _by_name("Shortanswer")
    assert fill.type == QuestionType.FILL and fill.current_version.accepted_answers == ["Frog"]

    tf = _by_name("Q1")
    assert tf.type == QuestionType.TRUEFALSE
    assert tf.current_version.correct_keys == ["F"]
    assert "Hitchiker" in tf.current_version.explanation
    # Text after the closing brace is GIFT's "missing word" form.
    assert tf.current_version.stem.startswith("42 is the Absolute Answer to everything._____")

    tsl = Question.objects.filter(name="2-08 TSL")
    assert tsl.count() == 2
    assert all(q.current_version.correct_keys == ["T"] for q in tsl)


def test_gift_categories_formats_and_escapes():
    outcome = _import("gift/questions_in_category.gift.txt", "gift", skip_unsupported=True)
    assert outcome.created == 4
    matching = _by_name("Moodle activities")
    assert matching.type == QuestionType.MATCHING
    assert matching.category.full_path == "Default for New Features"
    greeting = _by_name("Greeting")
    assert greeting.category.full_path == "Default for New Features"
    assert greeting.type == QuestionType.SINGLE
    assert greeting.current_version.correct_keys == ["B"]
    # \= and \: are unescaped; [html] keeps the link.
    assert (
        '<a href="http://demo.moodle.net/file.php/5/media/bonjour.mp3">Listen to this greeting:</a>'
        in greeting.current_version.stem
    )
    assert _by_name("Moodle user").current_version.accepted_answers == ["Moodler"]
    acronym = _by_name("Moodle acronym")
    assert acronym.type == QuestionType.TRUEFALSE and acronym.current_version.correct_keys == ["T"]
    assert "style" not in acronym.current_version.stem  # inline styles are dropped by the sanitiser


# --- Moodle XML ----------------------------------------------------------------------


def test_moodle_invalid_grade_names_the_question_and_the_line():
    errors = _failure("moodle-xml/error_invalid_grades.xml", "moodle-xml")
    assert any(
        e.startswith("第 38 行，第 1 题「Question with invalid grades : x > 1 & x")
        and "33%" in e
        and "不是 Moodle 允许的得分比例" in e
        for e in errors
    )


def test_moodle_broken_cloze_questions_each_say_what_is_wrong():
    errors = _failure("moodle-xml/broken_cloze_questions.xml", "moodle-xml", skip_unsupported=True)
    assert len(errors) == 5
    assert (
        errors[0].startswith("第 4 行，第 1 题「Multianswer question without subquestion")
        and "没有任何嵌入的子问题" in errors[0]
    )
    assert errors[1].startswith("第 20 行") and "{1:MULTICHOICE}" in errors[1] and "至少需要 2 个选项" in errors[1]
    assert errors[2].startswith("第 36 行") and "至少需要 2 个选项" in errors[2]
    assert errors[3].startswith("第 52 行") and "没有得分为 100% 的答案" in errors[3]
    assert errors[4].startswith("第 68 行") and "必须是数字" in errors[4]


def test_moodle_html_entities_in_idnumbers_and_category_description():
    outcome = _import("moodle-xml/html_chars_in_idnumbers.xml", "moodle-xml")
    assert outcome.created == 1
    question = _by_name("Alpha Question")
    assert question.idnumber == "T & F"
    assert question.type == QuestionType.TRUEFALSE and question.current_version.correct_keys == ["T"]
    assert question.current_version.stem == "<p>Testing Alpha Question</p>"
    assert question.category.full_path == "Alpha"
    assert question.category.description == "This is Alpha category for test"


def test_moodle_nested_categories_with_questions():
    outcome = _import("moodle-xml/nested_categories_with_questions.xml", "moodle-xml", base_category="导入/Moodle")
    assert outcome.created == 5
    expected = {
        "Iota Question": "导入/Moodle/Iota",
        "Kappa Essay Question": "导入/Moodle/Iota/Kappa",
        "Kappa Question": "导入/Moodle/Iota/Kappa",
        "Lambda Question": "导入/Moodle/Iota/Kappa/Lambda",
        "Mu Question": "导入/Moodle/Iota/Mu",
    }
    assert {q.name: q.category.full_path for q in Question.objects.select_related("category")} == expected
    assert _by_name("Kappa Essay Question").type == QuestionType.SHORT
    assert (
        QuestionCategory.objects.get(full_path="导入/Moodle/Iota/Kappa").description
        == "This is Kappa category for test"
    )


def test_moodle_embedded_image_is_kept_as_an_image_in_the_stem():
    outcome = _import("moodle-xml/zh_embedded_image.xml", "moodle-xml")
    assert outcome.created == 1
    question = _by_name("执法文书-印章")
    version = question.current_version
    assert question.type == QuestionType.SINGLE
    assert question.category.full_path == "行政执法/执法文书"
    assert question.idnumber == "XF-059-01"
    assert sorted(t.name for t in question.tags.all()) == ["第五十九条", "行政处罚法"]
    assert 'src="data:image/png;base64,iVBORw0KGgo' in version.stem and "@@PLUGINFILE@@" not in version.stem
    assert [o["text"] for o in version.options][0] == "落款处作出决定的行政机关名称上"
    assert version.correct_keys == ["A"]
    assert "第五十九条" in version.explanation
    assert any("penalty" in str(w) for w in outcome.warnings)


def test_dry_run_changes_nothing_but_returns_the_preview():
    outcome = _import("moodle-xml/nested_categories_with_questions.xml", "moodle-xml", dry_run=True)
    assert not Question.objects.exists() and not QuestionCategory.objects.exists()
    assert [row.label for row in outcome.preview][0] == "第 1 题「Iota Question」"
    assert outcome.categories == ["Iota", "Iota/Kappa", "Iota/Kappa/Lambda", "Iota/Mu"]
