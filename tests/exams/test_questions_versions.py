"""The question bank's versioning rule and validation (exams.services.questions)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from exams.models import QuestionCategory, QuestionType, QuestionVersion
from exams.services.questions import ensure_category, is_version_used, save_category, save_question

from .factories_questions import make_question, use_in_attempt

pytestmark = pytest.mark.django_db


def _edit(question, **changes):
    version = question.current_version
    fields = {
        "category": question.category,
        "qtype": question.type,
        "stem": version.stem,
        "options": version.options,
        "accepted_answers": version.accepted_answers,
        "points": version.points,
        "difficulty": version.difficulty,
        "explanation": version.explanation,
    }
    fields.update(changes)
    return save_question(question=question, **fields)


def test_new_question_gets_version_one_with_keyed_options():
    question = make_question()
    version = question.current_version
    assert version.number == 1
    assert [o["key"] for o in version.options] == ["A", "B", "C"]
    assert version.correct_keys == ["B"]
    assert version.points == Decimal("2.00")
    assert version.stem == "行政处罚决定书应当盖有什么？"


def test_editing_an_unused_question_changes_it_in_place():
    question = make_question()
    first = question.current_version
    question = _edit(question, stem="修改后的题干")
    assert question.current_version_id == first.pk
    assert QuestionVersion.objects.filter(question=question).count() == 1
    first.refresh_from_db()
    assert first.stem == "修改后的题干"


def test_editing_a_used_question_makes_a_new_version_and_keeps_the_old_one(learner):
    question = make_question()
    first = question.current_version
    use_in_attempt(first, learner)
    assert is_version_used(first)

    question = _edit(question, stem="新的题干", points=Decimal("3"))

    assert question.current_version.number == 2
    assert question.current_version.stem == "新的题干"
    first.refresh_from_db()
    assert first.stem == "行政处罚决定书应当盖有什么？"
    assert first.points == Decimal("2.00")
    assert first.options[1]["correct"] is True


def test_saving_a_used_question_unchanged_makes_no_version(learner):
    question = make_question()
    use_in_attempt(question.current_version, learner)
    question = _edit(question, name="只改名称")
    assert question.versions.count() == 1
    assert question.name == "只改名称"


def test_type_of_a_used_question_cannot_change(learner):
    question = make_question()
    use_in_attempt(question.current_version, learner)
    with pytest.raises(ValidationError) as exc:
        _edit(question, qtype=QuestionType.MULTIPLE)
    assert "不能修改题型" in str(exc.value)


def test_multiple_choice_default_fractions_share_full_marks_and_punish_wrong_picks():
    question = make_question(QuestionType.MULTIPLE)
    fractions = {o["key"]: o["fraction"] for o in question.current_version.options}
    assert fractions == {"A": "0.3333333", "B": "0.3333333", "C": "-1", "D": "0.3333333"}


@pytest.mark.parametrize(
    ("qtype", "overrides", "message"),
    [
        (QuestionType.SINGLE, {"options": [{"text": "只有一个", "correct": True}]}, "至少需要两个选项"),
        (QuestionType.SINGLE, {"options": [{"text": "甲"}, {"text": "乙"}]}, "没有正确选项"),
        (QuestionType.SINGLE, {"options": [{"text": "甲", "correct": True}, {"text": "甲"}]}, "选项重复"),
        (
            QuestionType.MULTIPLE,
            {"options": [{"text": "甲", "fraction": "0.5"}, {"text": "乙", "fraction": "0.3"}]},
            "之和应为 100%",
        ),
        (QuestionType.FILL, {"accepted_answers": ["  "]}, "至少需要一个参考答案"),
        (QuestionType.SINGLE, {"stem": "<p> </p>"}, "题干不能为空"),
        (QuestionType.SINGLE, {"points": Decimal("0")}, "分值应大于 0"),
    ],
)
def test_invalid_content_is_refused_with_a_chinese_message(qtype, overrides, message):
    with pytest.raises(ValidationError) as exc:
        make_question(qtype, **overrides)
    assert message in str(exc.value)
    assert not QuestionVersion.objects.exists()


def test_stem_html_is_sanitised():
    question = make_question(stem='<p onclick="x()">题干<script>alert(1)</script><img src="javascript:x"></p>')
    assert question.current_version.stem == "<p>题干</p>"


def test_ensure_category_builds_the_path_once():
    leaf = ensure_category("法律知识/行政处罚法")
    again = ensure_category(" 法律知识 / 行政处罚法 ")
    assert leaf.pk == again.pk
    assert leaf.full_path == "法律知识/行政处罚法"
    assert QuestionCategory.objects.count() == 2


def test_renaming_a_category_updates_the_paths_below_it():
    leaf = ensure_category("法律知识/行政处罚法/罚款")
    top = QuestionCategory.objects.get(full_path="法律知识")
    save_category(category=top, name="法律法规", parent=None)
    leaf.refresh_from_db()
    assert leaf.full_path == "法律法规/行政处罚法/罚款"


def test_a_category_cannot_move_below_itself():
    leaf = ensure_category("法律知识/行政处罚法")
    top = QuestionCategory.objects.get(full_path="法律知识")
    with pytest.raises(ValidationError):
        save_category(category=top, name="法律知识", parent=leaf)
