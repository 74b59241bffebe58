"""Ordering (排序题): authoring, Moodle's grading methods with Moodle's own examples, the page, the formats,
an attempt and practice."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.db import connection
from django.urls import reverse

from exams import qtypes
from exams.formats import moodle_xml, xlsx
from exams.grading import score_fraction
from exams.models import AttemptAnswer, Question, QuestionType
from exams.qtypes.base import BadAnswer, PageItem
from exams.qtypes.ordering import GRADINGS, _longest_increasing, moodle_counts
from exams.selectors.attempts import paper_for_page, question_item, review_items
from exams.selectors.practice import practice_order
from exams.services.attempts import AttemptError, response_from_client, save_answers, start_attempt, submit_attempt
from exams.services.practice import answer_question
from exams.services.question_import import export_questions, import_questions
from exams.services.questions import ensure_category, save_question
from tests.exams.factories_questions import editor_form

from . import factories_exams as f

pytestmark = pytest.mark.django_db

ORDERING = qtypes.get("ordering")
MOODLE = Path(__file__).resolve().parent / "data" / "moodle" / "qtype" / "ordering.moodle.xml"
# Moodle's question_test.php: the items of test_question_maker::make_question('ordering').
WORDS = ["Modular", "Object", "Oriented", "Dynamic", "Learning", "Environment"]
STEPS = ["立案", "调查取证", "告知", "作出处罚决定", "送达"]


def _keys(words: str) -> list[str]:
    """Moodle's example responses as our keys (Modular → A … Environment → F)."""
    return ["ABCDEF"[WORDS.index(w)] for w in words.split()]


def _options(texts=WORDS) -> list[dict]:
    stored, _accepted, _data = ORDERING.normalise(stem="", options=[{"text": t} for t in texts], accepted=[], data={})
    return stored


def _fraction(method: str, words: str, partial_credit: bool = True) -> Decimal:
    return ORDERING.score(
        options=_options(), accepted=[], data={"grading": method}, response=_keys(words), partial_credit=partial_credit
    )


def _question(texts=STEPS, grading="ABSOLUTE_POSITION", **extra) -> Question:
    cat = ensure_category(extra.pop("category", "法律知识/行政处罚程序"))
    return save_question(
        category=cat,
        qtype="ordering",
        stem="<p>把行政处罚普通程序的步骤排成正确的顺序。</p>",
        options=[{"text": t} for t in texts],
        data={"grading": grading},
        points=Decimal("5"),
        **extra,
    )


# --- grading: Moodle's question_test.php, method by method -----------------------------------------

RIGHT = " ".join(WORDS)
REVERSE = "Environment Learning Dynamic Oriented Object Modular"
FOUR_PLACED = "Environment Object Oriented Dynamic Learning Modular"
ONE_PLACED = "Oriented Object Dynamic Learning Environment Modular"
SHIFTED = "Object Oriented Dynamic Learning Environment Modular"


@pytest.mark.parametrize(
    ("method", "response", "expected"),
    [
        ("ALL_OR_NOTHING", RIGHT, Fraction(1)),
        ("ALL_OR_NOTHING", REVERSE, Fraction(0)),
        ("ALL_OR_NOTHING", ONE_PLACED, Fraction(0)),
        ("ABSOLUTE_POSITION", RIGHT, Fraction(1)),
        ("ABSOLUTE_POSITION", REVERSE, Fraction(0)),
        ("ABSOLUTE_POSITION", FOUR_PLACED, Fraction(4, 6)),  # Moodle: between 0.66 and 0.67
        ("ABSOLUTE_POSITION", ONE_PLACED, Fraction(1, 6)),  # between 0.16 and 0.17
        ("RELATIVE_NEXT_EXCLUDE_LAST", RIGHT, Fraction(1)),
        ("RELATIVE_NEXT_EXCLUDE_LAST", REVERSE, Fraction(0)),
        ("RELATIVE_NEXT_EXCLUDE_LAST", FOUR_PLACED, Fraction(6, 10)),  # 0.6
        ("RELATIVE_NEXT_EXCLUDE_LAST", ONE_PLACED, Fraction(4, 10)),  # 0.4
        ("RELATIVE_NEXT_INCLUDE_LAST", RIGHT, Fraction(1)),
        ("RELATIVE_NEXT_INCLUDE_LAST", REVERSE, Fraction(0)),
        ("RELATIVE_NEXT_INCLUDE_LAST", FOUR_PLACED, Fraction(1, 2)),  # 0.5
        ("RELATIVE_ONE_PREVIOUS_AND_NEXT", RIGHT, Fraction(1)),
        ("RELATIVE_ONE_PREVIOUS_AND_NEXT", REVERSE, Fraction(0)),
        ("RELATIVE_ONE_PREVIOUS_AND_NEXT", ONE_PLACED, Fraction(4, 12)),  # between 0.33 and 0.34
        ("RELATIVE_ALL_PREVIOUS_AND_NEXT", RIGHT, Fraction(1)),
        ("RELATIVE_ALL_PREVIOUS_AND_NEXT", REVERSE, Fraction(0)),
        ("RELATIVE_ALL_PREVIOUS_AND_NEXT", ONE_PLACED, Fraction(6, 10)),  # 0.6
        ("RELATIVE_ALL_PREVIOUS_AND_NEXT", SHIFTED, Fraction(20, 30)),  # between 0.6 and 0.7
        ("LONGEST_ORDERED_SUBSET", RIGHT, Fraction(1)),
        ("LONGEST_ORDERED_SUBSET", REVERSE, Fraction(0)),
        ("LONGEST_ORDERED_SUBSET", SHIFTED, Fraction(5, 6)),  # between 0.8 and 0.84
        ("LONGEST_CONTIGUOUS_SUBSET", RIGHT, Fraction(1)),
        ("LONGEST_CONTIGUOUS_SUBSET", REVERSE, Fraction(0)),
        ("LONGEST_CONTIGUOUS_SUBSET", SHIFTED, Fraction(5, 6)),
        ("RELATIVE_TO_CORRECT", RIGHT, Fraction(1)),
        ("RELATIVE_TO_CORRECT", REVERSE, Fraction(4, 10)),  # Moodle: 0.4 ("very generous")
        ("RELATIVE_TO_CORRECT", SHIFTED, Fraction(20, 30)),  # between 0.6 and 0.7
    ],
)
def test_moodle_grading_examples(method, response, expected):
    fraction = _fraction(method, response)
    assert abs(fraction - Decimal(expected.numerator) / Decimal(expected.denominator)) < Decimal("1e-20")
    good, total = moodle_counts(method, list("ABCDEF"), _keys(response))
    assert Fraction(good, total) == expected


def test_every_moodle_method_has_a_chinese_name_and_an_example():
    assert set(GRADINGS) == {
        "ALL_OR_NOTHING",
        "ABSOLUTE_POSITION",
        "RELATIVE_NEXT_EXCLUDE_LAST",
        "RELATIVE_NEXT_INCLUDE_LAST",
        "RELATIVE_ONE_PREVIOUS_AND_NEXT",
        "RELATIVE_ALL_PREVIOUS_AND_NEXT",
        "LONGEST_ORDERED_SUBSET",
        "LONGEST_CONTIGUOUS_SUBSET",
        "RELATIVE_TO_CORRECT",
    }
    assert all("\u4e00" <= names[0][0] <= "\u9fff" for names in GRADINGS.values())


def _moodle_ordered_subsets(positions: list[int], contiguous: bool) -> list[list[int]]:
    """A line-by-line port of Moodle's get_ordered_subsets (PHP foreach iterates over a copy)."""
    subsets: list[list[int]] = []
    for p, value in enumerate(positions):
        isnew, new = True, []
        for s, subset in enumerate([list(x) for x in subsets]):
            end = positions[subset[-1]]
            if value == end + 1:
                isnew = False
                subsets[s].append(p)
            elif contiguous:
                pass
            elif value > end:
                isnew = False
                new.append(subset)
                subsets[s].append(p)
        if isnew:
            new.append([p])
        subsets.extend(new)
    return subsets


def _moodle_best(positions, contiguous) -> int:
    best = 1
    for subset in _moodle_ordered_subsets(positions, contiguous):
        best = max(best, len(subset))
    return best if best > 1 else 0


@pytest.mark.parametrize("n", [2, 3, 4, 5, 6])
def test_longest_subsets_count_exactly_what_moodles_enumeration_finds(n):
    for perm in itertools.permutations(range(n)):
        positions = list(perm)
        current = ["ABCDEF"[i] for i in positions]
        assert moodle_counts("LONGEST_CONTIGUOUS_SUBSET", list("ABCDEF"[:n]), current)[0] == _moodle_best(
            positions, True
        )
        assert moodle_counts("LONGEST_ORDERED_SUBSET", list("ABCDEF"[:n]), current)[0] == _moodle_best(positions, False)
    # Moodle's enumeration doubles at each step; ours is quadratic on the longest paper an item list may be.
    assert _longest_increasing(list(range(0, 26, 2)) + list(range(1, 26, 2))) == 14


def test_without_partial_credit_only_the_exact_order_scores():
    assert _fraction("RELATIVE_TO_CORRECT", REVERSE, partial_credit=False) == 0
    assert _fraction("ABSOLUTE_POSITION", FOUR_PLACED, partial_credit=False) == 0
    assert _fraction("LONGEST_ORDERED_SUBSET", RIGHT, partial_credit=False) == 1
    assert ORDERING.score(options=_options(), accepted=[], data={}, response=None, partial_credit=True) == 0


def test_part_outcomes_say_which_item_stands_in_its_place():
    outcomes = ORDERING.part_outcomes(
        options=_options(), accepted=[], data={"grading": "ABSOLUTE_POSITION"}, response=_keys(FOUR_PLACED)
    )
    assert [(o.label, o.fraction, o.response) for o in outcomes] == [
        ("Modular", 0, "第 6 位"),
        ("Object", 1, "第 2 位"),
        ("Oriented", 1, "第 3 位"),
        ("Dynamic", 1, "第 4 位"),
        ("Learning", 1, "第 5 位"),
        ("Environment", 0, "第 1 位"),
    ]


# --- authoring -------------------------------------------------------------------------------------


def test_normalise_keys_the_items_in_the_right_order_always_shuffled():
    stored, accepted, data = ORDERING.normalise(
        stem="", options=[{"text": " 立案 "}, {"text": "调查\n取证"}], accepted=["x"], data={"grading": "相邻关系"}
    )
    assert stored == [
        {"key": "A", "text": "立案", "shuffle": "always"},
        {"key": "B", "text": "调查 取证", "shuffle": "always"},
    ]
    assert accepted == [] and data == {"grading": "RELATIVE_NEXT_EXCLUDE_LAST"}
    assert ORDERING.normalise(stem="", options=[], accepted=[], data={})[2] == {"grading": "ABSOLUTE_POSITION"}
    with pytest.raises(ValueError, match="评分方式“随便”无法识别"):
        ORDERING.normalise(stem="", options=[], accepted=[], data={"grading": "随便"})


@pytest.mark.parametrize(
    ("texts", "message"),
    [
        (["立案"], "排序题至少需要两项。"),
        (["立案", "告知", "立案"], "排序题的各项不能重复：立案。"),
        (["立案", ""], "排序题的各项不能为空。"),
        ([f"第{i}步" for i in range(27)], "排序题最多 26 项。"),
    ],
)
def test_validate_names_what_is_wrong(texts, message):
    errors: dict = {}
    options, _a, data = ORDERING.normalise(stem="", options=[{"text": t} for t in texts], accepted=[], data={})
    ORDERING.validate(stem="", options=options, accepted=[], data=data, errors=errors)
    assert message in errors["options"]


def test_editor_text_round_trips_through_parse_editor_and_normalise():
    options = _options(STEPS)
    data = {"grading": "LONGEST_CONTIGUOUS_SUBSET"}
    text = ORDERING.editor_text(stem="", options=options, accepted=[], data=data)
    assert text.splitlines() == ["评分方式：最长连续子序列", *STEPS]
    raw, accepted, raw_data = ORDERING.parse_editor(text)
    assert ORDERING.normalise(stem="", options=raw, accepted=accepted, data=raw_data) == (options, [], data)
    # Without the first line: Moodle's default method; blank lines do not count.
    raw, _a, raw_data = ORDERING.parse_editor("\n甲\n\n乙\n")
    assert [o["text"] for o in raw] == ["甲", "乙"] and raw_data == {"grading": "ABSOLUTE_POSITION"}
    assert ORDERING.parse_editor("评分方法: ALL_OR_NOTHING\n甲\n乙")[2] == {"grading": "ALL_OR_NOTHING"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("评分方式：随便\n甲\n乙", "第 1 行：评分方式“随便”无法识别，可选：按位置、"),
        ("甲\n评分方式：按位置\n乙", "第 2 行：评分方式只能写在第一行。"),
        ("甲\n乙\n\n甲", "第 4 行“甲”与第 1 行重复：排序题的各项不能重复。"),
        ("评分方式：按位置\n甲", "排序题至少需要两项，每行写一项。"),
        ("\n".join(f"第{i}步" for i in range(27)), "第 27 行：排序题最多 26 项。"),
    ],
)
def test_parse_editor_errors_name_the_line(text, message):
    with pytest.raises(ValueError) as exc:
        ORDERING.parse_editor(text)
    assert str(exc.value).startswith(message)


def test_the_bank_editor_saves_an_ordering_question_and_names_a_bad_line(trainer, client_for):
    cat = ensure_category("法律知识")
    data = editor_form(
        cat, "ordering", name="程序", stem="排序：", answer_spec="评分方式：前后相邻项\n" + "\n".join(STEPS)
    )
    client = client_for(trainer)
    bad = client.post(reverse("exams_questions:add"), {**data, "answer_spec": "甲\n乙\n甲"})
    assert "第 3 行“甲”与第 1 行重复：排序题的各项不能重复。" in bad.content.decode()
    assert not Question.objects.exists()
    response = client.post(reverse("exams_questions:add"), data)
    assert response.status_code == 302
    version = Question.objects.get(name="程序").current_version
    assert [o["text"] for o in version.options] == STEPS
    assert version.data == {"grading": "RELATIVE_ONE_PREVIOUS_AND_NEXT"}
    edit = client.get(reverse("exams_questions:edit", args=[version.question_id])).content.decode()
    assert "评分方式：前后相邻项\n立案\n调查取证" in edit


# --- the page ------------------------------------------------------------------------------------------


def test_from_client_reads_a_permutation_of_display_indices():
    order = ["C", "A", "B"]
    assert ORDERING.from_client(order, ["1", "2", "0"]) == ["A", "B", "C"]
    assert ORDERING.from_client(order, [2, 0, 1]) == ["B", "C", "A"]
    assert ORDERING.to_client(order, ["A", "B", "C"]) == ["1", "2", "0"]
    assert ORDERING.from_client(order, None) is None and ORDERING.from_client(order, []) is None
    assert ORDERING.from_client(order, ["", "", ""]) is None  # the no-script selects left at 请选择
    assert ORDERING.to_client(order, None) is None


@pytest.mark.parametrize(
    "raw",
    [["0", "0", "1"], ["0", "1"], ["0", "1", "3"], ["0", "1", "-1"], ["0", "1", "x"], ["0", "", "2"], "012", {"0": 1}],
)
def test_from_client_refuses_anything_but_every_item_once(raw):
    with pytest.raises(BadAnswer):
        ORDERING.from_client(["A", "B", "C"], raw)


def test_a_refused_order_says_what_to_do():
    with pytest.raises(AttemptError, match="第 3 题：排序题要把每一项各排在一个位置上，不能空缺或重复。"):
        response_from_client("ordering", ["A", "B", "C"], ["0", "0", "1"], position=3)
    with pytest.raises(AttemptError, match="第 3 题的作答无效"):
        response_from_client("ordering", ["A", "B", "C"], ["0", "1", "2", "0"], position=3)


def _page(option_order, response=None, options=None) -> PageItem:
    return question_item(
        position=1,
        qtype="ordering",
        option_order=option_order,
        points=2,
        stem="s",
        options=options or _options(STEPS[:3]),
    )


def test_the_page_never_starts_from_the_right_order_and_carries_no_key():
    options = _options(STEPS[:3])
    page = question_item(
        position=1, qtype="ordering", option_order=["A", "B", "C"], points=2, stem="s", options=options
    )
    assert [p.label for p in page.parts] == ["告知", "调查取证", "立案"]  # reversed
    assert [p.text for p in page.parts] == ["2", "1", "0"] and page.client_response is None
    assert all(p.correct_text == "" and p.right is None for p in page.parts)
    page = question_item(
        position=1, qtype="ordering", option_order=["B", "C", "A"], points=2, stem="s", options=options
    )
    assert [p.label for p in page.parts] == ["调查取证", "告知", "立案"]
    answered = question_item(
        position=1,
        qtype="ordering",
        option_order=["B", "C", "A"],
        points=2,
        stem="s",
        options=options,
        response=["A", "B", "C"],
    )
    assert [p.label for p in answered.parts] == ["立案", "调查取证", "告知"]
    assert answered.client_response == ["2", "0", "1"] and answered.answered


def test_the_rendered_page_follows_the_script_contract_and_has_a_fallback(client_for, learner):
    from django.template.loader import render_to_string

    page = question_item(
        position=4, qtype="ordering", option_order=["B", "C", "A"], points=2, stem="s", options=_options(STEPS[:3])
    )
    html = render_to_string("exams/includes/question.html", {"item": page, "preview": True})
    assert 'data-answer-kind="parts"' in html and '<ol class="ordering" data-ordering' in html
    assert html.count("data-part=") == 3 and html.count("data-rank") == 3
    assert html.count('data-move="up"') == 3 and 'aria-label="上移：调查取证"' in html and "下移：立案" in html
    assert '<input type="hidden" name="q4-0" value="0" data-answer disabled>' in html
    assert "<noscript>" in html and html.count('<select id="o4-') == 3 and "第 3 位" in html
    for secret in ("correct", "fraction", "shuffle"):
        assert secret not in html


def test_reveal_marks_each_place_and_gives_the_right_order():
    from exams.selectors.attempts import reveal_key

    options = _options(STEPS[:3])
    page = question_item(
        position=1,
        qtype="ordering",
        option_order=["B", "C", "A"],
        points=2,
        stem="s",
        options=options,
        response=["A", "C", "B"],
    )
    reveal_key(page, option_order=["B", "C", "A"], options=options, accepted_answers=[], explanation="", data={})
    assert [(p.label, p.right, p.correct_text) for p in page.parts] == [
        ("立案", True, "立案"),
        ("告知", False, "调查取证"),
        ("调查取证", False, "告知"),
    ]
    assert (
        ORDERING.key_text(option_order=[], options=options, accepted=[], data={}) == "立案 → 调查取证 → 告知（按位置）"
    )


# --- formats -------------------------------------------------------------------------------------------


def test_moodle_fixture_imports_items_order_and_grading_as_moodle_expects():
    outcome = import_questions(data=MOODLE.read_bytes(), fmt="moodle-xml")
    assert outcome.created == 1
    question = Question.objects.select_related("current_version", "category").get(name="dd-ordering 1")
    version = question.current_version
    assert question.type == "ordering" and question.idnumber == "dd1"
    assert question.category.full_path == "Test questions"
    assert [o["text"] for o in version.options] == WORDS
    assert [o["key"] for o in version.options] == list("ABCDEF")
    assert version.data == {"grading": "ABSOLUTE_POSITION"}
    assert version.points == 1 and version.stem == "Put these words in order."
    warnings = [str(w) for w in outcome.warnings]
    assert any("dd-ordering 1" in w and "layouttype=HORIZONTAL" in w for w in warnings)
    assert any("showgrading" in w for w in warnings)
    assert not any("selecttype" in w for w in warnings)  # ALL: nothing dropped


def _xml(body: str, items: int = 5) -> bytes:
    answers = "".join(
        f'<answer fraction="{i}" format="html"><text>第{i}步</text></answer>' for i in range(1, items + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="ordering"><name><text>O</text></name>'
        f'<questiontext format="html"><text>排序</text></questiontext>{body}{answers}</question></quiz>'
    ).encode()


def test_moodle_settings_we_cannot_keep_are_said():
    parsed = moodle_xml.parse(
        _xml(
            "<selecttype>RANDOM</selecttype><selectcount>3</selectcount><numberingstyle>abc</numberingstyle>"
            "<showgrading>HIDE</showgrading><gradingtype>NONSENSE</gradingtype>"
        )
    )
    draft = parsed.questions[0]
    assert [o["text"] for o in draft.options] == [f"第{i}步" for i in range(1, 6)]
    assert draft.data == {"grading": "RELATIVE_NEXT_EXCLUDE_LAST"}  # Moodle's fallback
    warnings = [str(i) for i in parsed.issues]
    assert any("只抽取其中 3 项" in w and "已导入全部 5 项" in w for w in warnings)
    assert any("numberingstyle=abc" in w for w in warnings)
    assert any("gradingtype" in w and "NONSENSE" in w for w in warnings)
    assert not any("showgrading" in w for w in warnings)
    # No selecttype at all is Moodle's RANDOM of 6: five items are all shown, nothing to say.
    plain = moodle_xml.parse(_xml("<showgrading>0</showgrading>"))
    assert [str(i) for i in plain.issues] == []
    assert plain.questions[0].data == {"grading": "RELATIVE_NEXT_EXCLUDE_LAST"}
    one = moodle_xml.parse(_xml("", items=1))
    assert any("排序题至少需要两项，文件中只有 1 项。" in str(i) for i in one.issues)


def test_export_and_reimport_keep_items_order_and_grading():
    _question(grading="RELATIVE_ALL_PREVIOUS_AND_NEXT", name="程序排序")
    exported = {fmt: export_questions(fmt=fmt) for fmt in ("moodle-xml", "xlsx")}
    for fmt, data in exported.items():
        if fmt == "moodle-xml":
            text = data.decode()
            assert '<question type="ordering">' in text and "<gradingtype>RELATIVE_ALL_PREVIOUS_AND_NEXT</" in text
            assert '<answer fraction="1.0000000" format="plain_text">' in text and "<selecttype>ALL</" in text
        outcome = import_questions(data=data, fmt=fmt, base_category=f"导入{fmt}")
        assert outcome.created == 1 and not [str(w) for w in outcome.warnings]
        version = Question.objects.get(category__full_path__startswith=f"导入{fmt}").current_version
        assert [o["text"] for o in version.options] == STEPS
        assert version.data == {"grading": "RELATIVE_ALL_PREVIOUS_AND_NEXT"}
        assert version.points == 5


def test_formats_flags():
    assert ORDERING.gift is False and ORDERING.aiken is False and ORDERING.xlsx is True
    assert xlsx.type_by_label()["排序题"] == "ordering" and xlsx.type_by_label()["排序"] == "ordering"
    assert xlsx.type_labels()["ordering"] == "排序题"
    assert qtypes.for_moodle("ordering") is ORDERING


def _xlsx_row(answer: str, *items: str) -> dict:
    row = {"题型": "排序题", "题干": "排序", "答案": answer}
    row.update({f"选项{'ABCDEFGH'[i]}": text for i, text in enumerate(items)})
    return row


@pytest.mark.parametrize(
    ("answer", "order", "grading"),
    [
        ("", STEPS[:3], "ABSOLUTE_POSITION"),
        ("相邻关系", STEPS[:3], "RELATIVE_NEXT_EXCLUDE_LAST"),
        ("CAB", [STEPS[2], STEPS[0], STEPS[1]], "ABSOLUTE_POSITION"),
        ("C,A,B；全对才得分", [STEPS[2], STEPS[0], STEPS[1]], "ALL_OR_NOTHING"),
    ],
)
def test_excel_row_items_answer_order_and_grading(answer, order, grading):
    from exams.formats.base import DraftQuestion

    draft = DraftQuestion(qtype="ordering", stem="", number=1)
    errors = []
    assert ORDERING.read_xlsx(_xlsx_row(answer, *STEPS[:3]), answer, draft, lambda c, m: errors.append((c, m)))
    assert [o["text"] for o in draft.options] == order and draft.data == {"grading": grading} and not errors


@pytest.mark.parametrize(
    ("answer", "items", "message"),
    [
        ("ABD", STEPS[:3], ("答案", "正确顺序“ABD”应把 ABC 每个字母各写一次。")),
        ("随便", STEPS[:3], ("答案", "“随便”不是评分方式")),
        ("", STEPS[:1], ("选项A", "排序题至少需要两项")),
    ],
)
def test_excel_row_errors_name_the_cell(answer, items, message):
    from exams.formats.base import DraftQuestion

    errors = []
    draft = DraftQuestion(qtype="ordering", stem="", number=1)
    assert not ORDERING.read_xlsx(_xlsx_row(answer, *items), answer, draft, lambda c, m: errors.append((c, m)))
    assert errors[0][0] == message[0] and errors[0][1].startswith(message[1])


# --- an attempt, and practice ----------------------------------------------------------------------


def _exam(question, **overrides):
    return f.exam([question], **overrides)


@pytest.mark.parametrize(("partial", "expected"), [(True, Decimal("3.00")), (False, Decimal("0.00"))])
def test_an_attempt_freezes_a_shuffle_saves_the_order_and_scores_it(learner, partial, expected):
    question = _question()
    exam = _exam(question, partial_credit=partial)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.get()
    assert sorted(item.option_order) == list("ABCDE") and item.qtype == "ordering"
    page = paper_for_page(attempt)[0]
    assert [p.label for p in page.parts] != STEPS and page.client_response is None
    # The learner swaps the last two steps: 3 of 5 in place under 按位置.
    learner_order = ["A", "B", "C", "E", "D"]
    sent = [str(item.option_order.index(k)) for k in learner_order]
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": sent}])
    assert AttemptAnswer.objects.get(item=item).response == learner_order
    page = paper_for_page(attempt)[0]
    assert [p.label for p in page.parts] == [STEPS[i] for i in (0, 1, 2, 4, 3)] and page.client_response == sent
    submit_attempt(attempt_id=attempt.pk, user=learner)
    assert AttemptAnswer.objects.get(item=item).score == expected
    review = review_items(attempt, show_key=True)[0]
    assert [p.right for p in review.parts] == [True, True, True, False, False]


def test_a_malformed_order_is_refused_and_changes_nothing(learner):
    attempt = start_attempt(exam_id=_exam(_question()).pk, user=learner)
    outcome = save_answers(
        attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": ["0", "0", "1", "2", "3"]}]
    )
    assert [(r.accepted, r.error) for r in outcome.results] == [
        (False, "第 1 题：排序题要把每一项各排在一个位置上，不能空缺或重复。")
    ]
    assert AttemptAnswer.objects.get(item__attempt=attempt).response is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")
def test_the_postgresql_start_shuffles_the_items(learner):
    questions = [_question(category=f"排序/{i}") for i in range(12)]
    attempt = start_attempt(exam_id=f.exam(questions).pk, user=learner)
    orders = list(attempt.items.values_list("option_order", flat=True))
    assert all(sorted(o) == list("ABCDE") for o in orders)
    assert any(o != list("ABCDE") for o in orders)  # 12 papers of 5!: all unshuffled never
    assert all([p.label for p in page.parts] != STEPS for page in paper_for_page(attempt))


def _open_for_practice(question):
    cat = question.category
    cat.open_for_practice = True
    cat.save()


def test_practice_answers_through_the_service_and_a_form_post_without_script(learner, client_for):
    question = _question(grading="RELATIVE_NEXT_INCLUDE_LAST")
    _open_for_practice(question)
    version = question.current_version
    order = practice_order(version, "ordering")
    assert order == practice_order(version, "ordering") and sorted(order) == list("ABCDE")
    right = [str(order.index(k)) for k in "ABCDE"]
    outcome = answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=right)
    assert outcome.correct is True
    assert [p.correct_text for p in outcome.item.parts] == STEPS
    # The no-script selects: 第 n 位 → q1-(n-1), one value per place.
    client = client_for(learner)
    wrong = [right[i] for i in (1, 0, 2, 3, 4)]
    post = {"question": question.pk, "version": version.pk, **{f"q1-{i}": v for i, v in enumerate(wrong)}}
    response = client.post(reverse("exams:practice_answer"), post)
    assert response.status_code == 200
    html = response.content.decode()
    assert "正确顺序" in html and "位置不对" in html
    refused = client.post(reverse("exams:practice_answer"), {**post, "q1-1": wrong[0]}, follow=True)
    assert "排序题要把每一项各排在一个位置上，不能空缺或重复。" in refused.content.decode()


def test_practice_order_is_one_fixed_shuffle_per_version():
    question = _question()
    version = question.current_version
    assert practice_order(version, "ordering") == practice_order(version, "ordering")
    orders = {tuple(ORDERING.freeze(version.options, shuffle_options=False, rng=random.Random(s))) for s in range(30)}
    assert len(orders) > 1


def test_grading_vocabulary_reads_the_stored_grading():
    question = _question(grading="RELATIVE_TO_CORRECT")
    version = question.current_version
    fraction = score_fraction("ordering", version.options, [], list("EDCBA"), partial_credit=True, data=version.data)
    assert fraction == Decimal(8) / Decimal(20)
    assert QuestionType.ORDERING == "ordering"
