"""The question types as one registry: every type is whole, and a new type needs no place but its own.

The sweep tests walk every registered type, so a type added later is checked the same way; the
"new type" tests register a test-only type and take it through the bank, a paper, the page, a save,
grading, the result page, statistics and export without touching any other module.
"""

from __future__ import annotations

import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.template.loader import get_template
from django.urls import reverse
from django.utils.translation import gettext_lazy

from exams import qtypes
from exams.models import AttemptQuestion, ExamAttempt, MockItem, PaperRule, Question, QuestionType
from exams.qtypes.base import CHOICE, CHOICES, PARTS, TEXT, BadAnswer, PageItem, QType
from exams.qtypes.parts import PartsType
from exams.qtypes.text import Fill
from exams.selectors.attempts import paper_for_page, review_items
from exams.selectors.stats import part_statistics
from exams.services.attempts import AttemptError, response_from_client, save_answers, start_attempt, submit_attempt
from exams.services.question_import import export_questions
from exams.services.questions import ensure_category, save_question

from . import factories_exams as f

pytestmark = pytest.mark.django_db

#: What a type must implement (the base raises NotImplementedError), and when.
REQUIRED = ("build_page", "from_client", "to_client", "score", "read_moodle", "write_moodle")


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _overrides(kind: QType, name: str) -> bool:
    return getattr(type(kind), name) is not getattr(QType, name)


@pytest.mark.parametrize("kind", qtypes.all_types(), ids=lambda t: t.name)
def test_every_type_is_whole(kind):
    assert getattr(QuestionType, kind.name.upper()) == kind.name
    assert len(kind.name) <= 16  # the model fields' max_length
    assert str(kind.label)
    assert kind.answer_kind in (TEXT, CHOICE, CHOICES, PARTS)
    get_template(kind.input_template)
    get_template(kind.review_template)
    for name in REQUIRED:
        assert _overrides(kind, name), f"{kind.name} does not implement {name}"
    assert kind.moodle_names, f"{kind.name} names no Moodle type"
    if kind.xlsx:
        assert kind.aliases and _overrides(kind, "read_xlsx") and _overrides(kind, "write_xlsx")
    if kind.gift:
        assert _overrides(kind, "write_gift")
    if "spec" in kind.editor_fields:
        assert str(kind.editor_help) and _overrides(kind, "parse_editor") and _overrides(kind, "editor_text")


def test_names_aliases_and_moodle_names_do_not_collide():
    aliases = [alias for kind in qtypes.all_types() for alias in kind.aliases]
    assert len(aliases) == len(set(aliases))
    readers = {}
    for kind in qtypes.all_types():
        for name in kind.moodle_names:
            readers.setdefault(name, []).append(kind.name)
    shared = {name: kinds for name, kinds in readers.items() if len(kinds) > 1}
    # Moodle's multichoice is one type there and two here: single choice reads <single> and hands over.
    assert shared == {"multichoice": ["single", "multiple"]}
    assert qtypes.for_moodle("multichoice").name == "single"


def test_model_choices_and_the_filter_follow_the_registry():
    expected = [(t.name, t.label) for t in qtypes.all_types()]
    for model, field in (
        (Question, "type"),
        (AttemptQuestion, "qtype"),
        (MockItem, "qtype"),
        (PaperRule, "question_type"),
    ):
        assert [(v, str(label)) for v, label in model._meta.get_field(field).choices] == [
            (v, str(label)) for v, label in expected
        ]
    assert QuestionType.values == [t.name for t in qtypes.all_types()]


def test_freeze_keeps_groups_in_order_and_obeys_the_shuffle_marks():
    options = [
        {"key": "P1.1", "group": 0},
        {"key": "P2.1", "group": 0},
        {"key": "C1.1", "group": 1, "shuffle": "always"},
        {"key": "C1.2", "group": 1, "shuffle": "always"},
        {"key": "C1.3", "group": 1, "shuffle": "always"},
        {"key": "C2.1", "group": 2, "shuffle": "never"},
        {"key": "C2.2", "group": 2, "shuffle": "never"},
    ]

    class Shuffled(PartsType):
        shuffle_on_request = True

    seen = set()
    for seed in range(40):
        order = Shuffled().freeze(options, shuffle_options=True, rng=random.Random(seed))
        assert sorted(order[:2]) == ["P1.1", "P2.1"]  # group 0 first (shuffled: on request)
        assert sorted(order[2:5]) == ["C1.1", "C1.2", "C1.3"]  # group 1, always shuffled
        assert order[5:] == ["C2.1", "C2.2"]  # "never": not even when the exam shuffles
        seen.add((tuple(order[:2]), tuple(order[2:5])))
    assert len(seen) > 6
    unshuffled = PartsType().freeze(options, shuffle_options=False, rng=random.Random(1))
    assert unshuffled[:2] == ["P1.1", "P2.1"]


# --- a test-only type, registered for one test: nothing but the registry knows it ---------------


class Pairs(PartsType):
    """Match two officials' duties to their laws (a minimal multi-part type)."""

    name = "testpairs"
    label = gettext_lazy("测试配对题")
    moodle_names = ("testpairs",)
    gift = False
    aliases = ("测试配对题",)

    def normalise(self, *, stem, options, accepted, data):
        return [dict(o) for o in options], [], {}

    def validate(self, *, stem, options, accepted, data, errors):
        if not any(o["key"].startswith("P") for o in options):
            errors.setdefault("options", []).append("至少需要一项。")

    def read_moodle(self, element, draft, ctx):
        return False

    def write_moodle(self, node, version, ctx):
        for option in version.options:
            ctx.sub(node, "item", f"{option['key']}={option.get('text', '')}")

    def read_xlsx(self, row, answer, draft, error):
        return False

    def write_xlsx(self, version):
        return [o.get("text", "") for o in version.options], ""


PAIRS_OPTIONS = [
    {"key": "P1.1", "text": "罚款", "answer": "C1.2", "group": 0},
    {"key": "P2.1", "text": "责令停产停业", "answer": "C1.1", "group": 0},
    {"key": "C1.1", "text": "行政处罚法第九条第四项", "group": 1, "shuffle": "never"},
    {"key": "C1.2", "text": "行政处罚法第九条第二项", "group": 1, "shuffle": "never"},
    {"key": "C1.3", "text": "行政强制法第九条", "group": 1, "shuffle": "never"},
]


@pytest.fixture
def pairs_type(monkeypatch):
    kind = Pairs()
    monkeypatch.setitem(qtypes._TYPES, kind.name, kind)
    monkeypatch.setattr(QuestionType, "TESTPAIRS", kind.name, raising=False)
    return kind


def _pairs_question():
    return save_question(
        category=ensure_category("法律知识/测试"),
        qtype="testpairs",
        stem="<p>把处罚种类与法条连起来。</p>",
        options=PAIRS_OPTIONS,
        points=Decimal("4"),
    )


def test_a_new_type_goes_through_paper_page_save_grading_and_review(pairs_type, learner, client):
    question = _pairs_question()
    exam = f.exam([question], partial_credit=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    (item,) = paper_for_page(attempt)
    assert item.answer_kind == PARTS and [p.label for p in item.parts] == ["罚款", "责令停产停业"]
    assert [c.text for c in item.parts[0].choices] == [o["text"] for o in PAIRS_OPTIONS[2:]]
    # No key on the page: no choice key, no right answer, nothing marked right.
    assert "C1." not in repr(item) and all(p.correct_text == "" and p.right is None for p in item.parts)
    # The page sends one display index per part; a part out of range is refused, naming the question.
    with pytest.raises(AttemptError, match="第 1 题"):
        response_from_client("testpairs", ["P1.1", "P2.1", "C1.1", "C1.2", "C1.3"], ["7", ""], position=1)
    outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 5, "response": ["1", "2"]}])
    assert outcome.results[0].accepted
    (item,) = paper_for_page(attempt)
    assert item.client_response == ["1", "2"] and item.answered
    client.force_login(learner)
    page = client.get(reverse("exams:attempt", args=[attempt.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-answer-kind="parts"' in html and 'name="q1-1"' in html
    finished = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert finished.status == ExamAttempt.Status.GRADED
    assert finished.score == Decimal("2.00")  # one pair of two right, partial credit
    (reviewed,) = review_items(finished, show_key=True)
    assert [p.right for p in reviewed.parts] == [True, False]
    assert reviewed.parts[1].correct_text == "行政处罚法第九条第四项"


def test_a_new_type_scores_all_or_nothing_when_the_exam_gives_no_partial_credit(pairs_type):
    kind = qtypes.get("testpairs")
    half = {"P1.1": "C1.2", "P2.1": "C1.3"}
    assert kind.score(options=PAIRS_OPTIONS, accepted=[], data={}, response=half, partial_credit=True) == Decimal("0.5")
    assert kind.score(options=PAIRS_OPTIONS, accepted=[], data={}, response=half, partial_credit=False) == 0
    whole = {"P1.1": "C1.2", "P2.1": "C1.1"}
    assert kind.score(options=PAIRS_OPTIONS, accepted=[], data={}, response=whole, partial_credit=False) == 1
    assert kind.score(options=PAIRS_OPTIONS, accepted=[], data={}, response=None, partial_credit=True) == 0


@pytest.mark.parametrize("raw", [{"a": 1}, ["0", "1", "2"], [True], ["x"], [-1], "0"])
def test_parts_refuse_what_cannot_be_an_answer(raw):
    with pytest.raises(BadAnswer):
        PartsType().from_client(["P1.1", "P2.1", "C1.1", "C1.2"], raw)


def test_parts_statistics_give_each_part_its_facility_and_commonest_wrong_answer(pairs_type, org_tree):
    from tests.factories import UserFactory

    question = _pairs_question()
    exam = f.exam([question], partial_credit=True)
    answers = [["1", "0"], ["1", "2"], ["0", "2"], ["1", "0"]]
    attempts = []
    for i, response in enumerate(answers):
        user = UserFactory(org_unit=org_tree["shache_dept"], employee_no=f"P{i:05d}")
        attempt = start_attempt(exam_id=exam.pk, user=user)
        save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": 1, "seq": 1, "response": response}])
        attempts.append(submit_attempt(attempt_id=attempt.pk, user=user).pk)
    (parts,) = part_statistics(attempts, {question.pk}).values()
    first, second = parts
    assert (first.label, first.answers, first.facility) == ("罚款", 4, 75.0)
    assert (first.common_wrong, first.common_wrong_count) == ("行政处罚法第九条第四项", 1)
    assert (second.label, second.facility) == ("责令停产停业", 50.0)
    assert (second.common_wrong, second.common_wrong_count) == ("行政强制法第九条", 2)


def test_an_export_leaves_out_what_the_format_cannot_express_and_says_so(pairs_type, trainer, client_for):
    question = _pairs_question()
    save_question(
        category=question.category,
        qtype=QuestionType.FILL,
        stem="<p>行政处罚的种类由____规定。</p>",
        accepted_answers=["法律"],
    )
    left_out: list[str] = []
    gift = export_questions(fmt="gift", left_out=left_out).decode()
    assert left_out == [f"第 {question.pk} 题「把处罚种类与法条连起来。」（测试配对题）"]
    assert "无法用 GIFT 表示" in gift and left_out[0] in gift and "{=法律}" in gift
    moodle = export_questions(fmt="moodle-xml").decode()
    assert 'type="testpairs"' in moodle and "P1.1=罚款" in moodle
    client = client_for(trainer)
    response = client.get(reverse("exams_question_import:export"), {"format": "gift"})
    assert response.status_code == 200 and left_out[0] in response.content.decode()
    page = client.get(reverse("exams_question_import:index")).content.decode()
    assert "GIFT (.txt) 无法表示 1 道题的题型，导出时已略过" in page
    # Other types GIFT cannot hold (完形填空题…) are listed in the same sentence.
    assert re.search(r"GIFT \(\.txt\) 不能表示[^，]*测试配对题", page)


def test_a_typed_type_added_by_subclassing_needs_no_other_place(monkeypatch, learner):
    class Keyword(Fill):
        name = "testkeyword"
        label = gettext_lazy("测试关键词题")
        aliases = ("测试关键词题",)
        moodle_names = ("testkeyword",)

    kind = Keyword()
    monkeypatch.setitem(qtypes._TYPES, kind.name, kind)
    question = save_question(
        category=ensure_category("法律知识/测试"),
        qtype="testkeyword",
        stem="<p>关键词？</p>",
        accepted_answers=["合法"],
    )
    attempt = start_attempt(exam_id=f.exam([question]).pk, user=learner)
    (item,) = paper_for_page(attempt)
    assert isinstance(item, PageItem) and item.answer_kind == TEXT
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": "合 法"}])
    assert submit_attempt(attempt_id=attempt.pk, user=learner).score == Decimal("1.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the one-statement start is PostgreSQL's")
def test_the_database_start_freezes_by_the_same_marks(pairs_type, learner):
    options = [dict(o, shuffle="always") if o["key"].startswith("C") else o for o in PAIRS_OPTIONS]
    question = save_question(
        category=ensure_category("法律知识/测试"), qtype="testpairs", stem="<p>配对</p>", options=options
    )
    exam = f.exam([question], attempts_allowed=30, shuffle_options=False)
    orders = set()
    for _ in range(12):
        attempt = start_attempt(exam_id=exam.pk, user=learner)
        order = AttemptQuestion.objects.get(attempt=attempt).option_order
        assert order[:2] == ["P1.1", "P2.1"]
        assert sorted(order[2:]) == ["C1.1", "C1.2", "C1.3"]
        orders.add(tuple(order[2:]))
        submit_attempt(attempt_id=attempt.pk, user=learner)
    assert len(orders) > 1


@pytest.mark.parametrize("kind", qtypes.all_types(), ids=lambda t: t.name)
def test_every_type_has_a_sample_the_bank_accepts(kind):
    """The browser test answers every type from these samples (tests/exams/qtype_samples.py)."""
    from .qtype_samples import SAMPLES, make_sample

    assert kind.name in SAMPLES, f"{kind.name} has no sample question"
    question = make_sample(kind.name)
    assert question.current_version.points == SAMPLES[kind.name].points
