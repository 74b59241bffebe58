"""Grading per question type (exams.grading): fill-in normalisation, partial credit."""

from decimal import Decimal

import pytest

from exams.grading import grade, is_correct, normalise_fill
from exams.models import QuestionType

from .factories_questions import make_question

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ＡＢＣ１２３", "abc123"),  # full-width letters and digits
        ("行政　处罚", "行政处罚"),  # ideographic space
        (" 行 政\t处\n罚 ", "行政处罚"),
        ("Ｈｅｌｌｏ Ｗｏｒｌｄ", "helloworld"),
        ("（一）", "(一)"),  # full-width brackets
        (None, ""),
    ],
)
def test_fill_normalisation(typed, expected):
    assert normalise_fill(typed) == expected


def test_fill_accepts_any_accepted_answer_regardless_of_width_spaces_and_case():
    version = make_question(QuestionType.FILL, accepted_answers=["非歧视", "Non-Discrimination"]).current_version
    assert grade(version, "非 歧视", partial_credit=False) == Decimal("2.00")
    assert grade(version, "ＮＯＮ－ｄｉｓｃｒｉｍｉｎａｔｉｏｎ", partial_credit=False) == Decimal("2.00")
    assert grade(version, "歧视", partial_credit=False) == Decimal("0.00")
    assert grade(version, "", partial_credit=False) == Decimal("0.00")


def test_single_choice_scores_only_the_correct_key():
    version = make_question().current_version  # B correct, 2 points
    assert grade(version, "B", partial_credit=False) == Decimal("2.00")
    assert grade(version, ["B"], partial_credit=True) == Decimal("2.00")
    assert grade(version, "A", partial_credit=True) == Decimal("0.00")
    assert grade(version, ["A", "B"], partial_credit=False) == Decimal("0.00")
    assert grade(version, "Z", partial_credit=False) == Decimal("0.00")


def test_single_choice_with_a_partial_option_pays_it_only_under_partial_credit():
    version = make_question(
        options=[{"text": "甲", "fraction": "1"}, {"text": "乙", "fraction": "0.5"}, {"text": "丙", "fraction": "-0.5"}]
    ).current_version
    assert grade(version, "B", partial_credit=True) == Decimal("1.00")
    assert grade(version, "B", partial_credit=False) == Decimal("0.00")
    assert grade(version, "C", partial_credit=True) == Decimal("0.00")  # never negative


def test_multiple_choice_all_or_nothing_versus_partial_credit():
    version = make_question(QuestionType.MULTIPLE).current_version  # A, B, D correct; C wrong; 2 points
    assert grade(version, ["A", "B", "D"], partial_credit=False) == Decimal("2.00")
    assert grade(version, ["D", "B", "A"], partial_credit=True) == Decimal("2.00")
    assert grade(version, ["A", "B"], partial_credit=False) == Decimal("0.00")
    assert grade(version, ["A", "B"], partial_credit=True) == Decimal("1.33")
    assert grade(version, ["A", "B", "C", "D"], partial_credit=True) == Decimal("0.00")
    assert grade(version, ["A", "B", "C", "D"], partial_credit=False) == Decimal("0.00")
    assert grade(version, [], partial_credit=True) == Decimal("0.00")


def test_moodle_style_fractions_are_summed_and_clamped():
    version = make_question(
        QuestionType.MULTIPLE,
        options=[
            {"text": "yellow", "fraction": "0.5"},
            {"text": "red", "fraction": "-1"},
            {"text": "off-beige", "fraction": "0.5"},
            {"text": "blue", "fraction": "-1"},
        ],
        points=Decimal("4"),
    ).current_version
    assert grade(version, ["A"], partial_credit=True) == Decimal("2.00")
    assert grade(version, ["A", "B", "C"], partial_credit=True) == Decimal("0.00")
    assert grade(version, ["A", "C"], partial_credit=True) == Decimal("4.00")


def test_truefalse_accepts_keys_and_booleans():
    version = make_question(QuestionType.TRUEFALSE).current_version
    assert grade(version, "T", partial_credit=False) == Decimal("2.00")
    assert grade(version, True, partial_credit=False) == Decimal("2.00")
    assert grade(version, False, partial_credit=True) == Decimal("0.00")


def test_short_answer_is_left_to_a_person():
    version = make_question(QuestionType.SHORT).current_version
    assert grade(version, "我的回答", partial_credit=True) is None
    assert is_correct(version, "我的回答") is None


def test_points_override_for_exam_rules():
    version = make_question().current_version
    assert grade(version, "B", partial_credit=False, points=Decimal("5")) == Decimal("5.00")
