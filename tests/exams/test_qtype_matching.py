"""Matching (匹配题), as Moodle's qtype_match: authoring, the paper, grading, the formats, an attempt, practice."""

from __future__ import annotations

import html
import io
import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from openpyxl import Workbook

from exams import qtypes
from exams.formats import gift, moodle_xml, xlsx
from exams.grading import score_fraction
from exams.models import AttemptAnswer, ExamAttempt, Question, QuestionCategory, QuestionType, QuestionVersion
from exams.qtypes.base import BadAnswer, PageItem
from exams.selectors.practice import practice_order
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from exams.services.practice import answer_question
from exams.services.question_import import QuestionImportFailed, export_questions, import_questions
from exams.services.questions import build_content, ensure_category, validate_content
from tests.exams.factories_questions import editor_form

from . import factories_exams as f
from .factories_questions import make_question

pytestmark = pytest.mark.django_db

MATCHING = qtypes.get(QuestionType.MATCHING)
ROWS = [
    {"text": "警告", "answer": "申诫罚"},
    {"text": "罚款", "answer": "财产罚"},
    {"text": "没收违法所得", "answer": "财产罚"},
    {"text": "行政拘留", "answer": "人身罚"},
    {"text": "", "answer": "行为罚"},  # an extra wrong answer (Moodle: a subquestion without text)
]
RIGHT = {"警告": "申诫罚", "罚款": "财产罚", "没收违法所得": "财产罚", "行政拘留": "人身罚"}


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _stored(rows=ROWS, data=None) -> list[dict]:
    options, _accepted, _data = MATCHING.normalise(stem="", options=rows, accepted=[], data=data or {})
    return options


def _errors(rows, data=None) -> list[str]:
    content = build_content(qtype=QuestionType.MATCHING, stem="对应关系", options=rows, data=data)
    with pytest.raises(ValidationError) as exc:
        validate_content(QuestionType.MATCHING, content)
    return exc.value.message_dict["options"]


def _question(rows=ROWS, **overrides) -> Question:
    fields = {"stem": "将下列行政处罚与其种类对应起来。", "options": rows, "points": Decimal("4")}
    fields.update(overrides)
    return make_question(QuestionType.MATCHING, **fields)


def _pairs(version) -> list[tuple[str, str]]:
    texts = {o["key"]: o["text"] for o in version.options}
    return [(o["text"], texts.get(o.get("answer"), "")) for o in version.options if o["key"].startswith("P")]


def _answers(version) -> list[str]:
    return [o["text"] for o in version.options if o["key"].startswith("C")]


def _right_response(options: list[dict], order: list[str]) -> list[str]:
    """What the page sends for an all-right answer on a paper frozen in ``order``."""
    by_key = {o["key"]: o for o in options}
    choices = [k for k in order if k.startswith("C")]
    return [str(choices.index(by_key[k]["answer"])) for k in order if k.startswith("P")]


# --- authoring --------------------------------------------------------------------------------------


def test_rows_become_items_and_each_answer_text_once_in_the_order_first_written():
    options = _stored()
    assert [(o["key"], o["text"], o["answer"]) for o in options if o["group"] == 0] == [
        ("P1.1", "警告", "C1.1"),
        ("P2.1", "罚款", "C1.2"),
        ("P3.1", "没收违法所得", "C1.2"),
        ("P4.1", "行政拘留", "C1.3"),
    ]
    assert [(o["key"], o["text"], o["shuffle"]) for o in options if o["group"] == 1] == [
        ("C1.1", "申诫罚", "always"),
        ("C1.2", "财产罚", "always"),
        ("C1.3", "人身罚", "always"),
        ("C1.4", "行为罚", "always"),
    ]
    assert not any("shuffle" in o for o in options if o["group"] == 0)
    # Stored content normalises to itself (the admin saves its normalised content again).
    assert _stored(options) == options
    # Moodle compares answer texts exactly: "0" and "0.0" are two answers (its "trickynums" question).
    tricky = _stored([{"text": "a", "answer": "0"}, {"text": "b", "answer": "0.0"}, {"text": "", "answer": "NULL"}])
    assert [o["text"] for o in tricky if o["group"] == 1] == ["0", "0.0", "NULL"]


def test_keeping_the_items_in_order_marks_them_never_shuffled():
    options = _stored(data={"shuffle": False})
    assert all(o["shuffle"] == "never" for o in options if o["group"] == 0)
    assert _stored(options) == options
    rng = random.Random(3)
    for _ in range(5):
        order = MATCHING.freeze(options, shuffle_options=True, rng=rng)
        assert order[:4] == ["P1.1", "P2.1", "P3.1", "P4.1"]


def test_validation_mirrors_moodles_form_with_chinese_messages():
    assert _errors([{"text": "警告", "answer": "申诫罚"}, {"text": "", "answer": "财产罚"}]) == [
        "匹配题至少需要两个左项（每行“左项 -> 右项”）。",
        "匹配题至少需要三个答案：左项与干扰项合计至少三行。",
    ]
    # Two items and one extra wrong answer is Moodle's minimum; two items alone are not enough.
    two = [{"text": "警告", "answer": "申诫罚"}, {"text": "罚款", "answer": "财产罚"}]
    assert _errors(two) == ["匹配题至少需要三个答案：左项与干扰项合计至少三行。"]
    validate_content(
        QuestionType.MATCHING,
        build_content(qtype=QuestionType.MATCHING, stem="对应", options=[*two, {"text": "", "answer": "人身罚"}]),
    )
    assert "左项“行政拘留”没有对应的右项。" in _errors([*two, {"text": "行政拘留", "answer": ""}])
    assert "左项“甲 -> 乙”不能含有箭头“->”或“→”。" in _errors(
        [*two, {"text": "", "answer": "人身罚"}, {"text": "甲 -> 乙", "answer": "丙"}]
    )
    assert "左项“警告”重复且对应不同的右项，学员无法作答。" in _errors([*two, {"text": "警告", "answer": "人身罚"}])
    assert "右项“" in _errors([*two, {"text": "", "answer": "长" * 256}])[0]


def test_the_bank_editor_text_round_trips_and_names_the_broken_line():
    text = "警告 -> 申诫罚\n罚款 -> 财产罚\n没收违法所得 -> 财产罚\n行政拘留 -> 人身罚\n-> 行为罚"
    options = _stored()
    assert MATCHING.editor_text(stem="", options=options, accepted=[], data={}) == text
    raw, accepted, data = MATCHING.parse_editor(text + "\n\n")
    assert (raw, accepted, data) == (ROWS, [], {})
    kept = _stored(data={"shuffle": False})
    kept_text = MATCHING.editor_text(stem="", options=kept, accepted=[], data={})
    assert kept_text == text + "\n[不打乱]"
    raw, _accepted, data = MATCHING.parse_editor(kept_text)
    assert _stored(raw, data) == kept
    # Full-width arrows and → are read as the arrow.
    assert MATCHING.parse_editor("警告 → 申诫罚\n罚款－＞财产罚")[0] == [
        {"text": "警告", "answer": "申诫罚"},
        {"text": "罚款", "answer": "财产罚"},
    ]
    with pytest.raises(ValueError, match="第 2 行“罚款 财产罚”缺少“->”"):
        MATCHING.parse_editor("警告 -> 申诫罚\n罚款 财产罚")
    with pytest.raises(ValueError, match="第 3 行“行政拘留 ->”缺少右项"):
        MATCHING.parse_editor("警告 -> 申诫罚\n\n行政拘留 ->")


# --- grading (Moodle: right items / items) ----------------------------------------------------------


def test_partial_credit_is_the_share_of_items_matched_right_and_all_or_nothing_needs_every_one():
    options = _stored()
    right = {"P1.1": "C1.1", "P2.1": "C1.2", "P3.1": "C1.2", "P4.1": "C1.3"}
    three = {**right, "P4.1": "C1.4"}
    one = {"P1.1": "C1.1"}

    def score(response, partial):
        return score_fraction(QuestionType.MATCHING, options, [], response, partial_credit=partial)

    assert score(right, True) == score(right, False) == 1
    assert score(three, True) == Decimal("0.75") and score(three, False) == 0
    assert score(one, True) == Decimal("0.25") and score(one, False) == 0
    assert score(None, True) == score({}, True) == 0
    assert score({"P1.1": "C9.9"}, True) == 0
    outcomes = MATCHING.part_outcomes(options=options, accepted=[], data={}, response=three)
    assert [(o.label, o.fraction, o.response) for o in outcomes] == [
        ("警告", 1, "申诫罚"),
        ("罚款", 1, "财产罚"),
        ("没收违法所得", 1, "财产罚"),
        ("行政拘留", 0, "行为罚"),
    ]


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_reads_one_choice_per_item_and_refuses_what_cannot_be_an_answer():
    options = _stored()
    order = MATCHING.freeze(options, shuffle_options=True, rng=random.Random(7))
    items = [k for k in order if k.startswith("P")]
    choices = [k for k in order if k.startswith("C")]
    assert sorted(choices) == ["C1.1", "C1.2", "C1.3", "C1.4"]
    sent = ["0", "", 3, "1"]
    stored = MATCHING.from_client(order, sent)
    assert stored == {items[0]: choices[0], items[2]: choices[3], items[3]: choices[1]}
    assert MATCHING.to_client(order, stored) == ["0", "", "3", "1"]
    assert MATCHING.from_client(order, ["", ""]) is None
    assert MATCHING.from_client(order, None) is None
    for bad in ("0", {"0": 1}, ["0"] * 5, ["4"], ["-1"], ["x"], [True], [1.5], [["0"]]):
        with pytest.raises(BadAnswer):
            MATCHING.from_client(order, bad)


def test_the_page_shows_items_and_answers_but_never_the_key():
    options = _stored()
    order = MATCHING.freeze(options, shuffle_options=False, rng=random.Random(1))
    page = PageItem(position=1, qtype="matching", qtype_label="匹配题", stem="对应", points=Decimal(4))
    MATCHING.build_page(page, option_order=order, options=options, response={"P2.1": "C1.2"})
    assert [p.label for p in page.parts] == ["警告", "罚款", "没收违法所得", "行政拘留"]
    choice_texts = [c.text for c in page.parts[0].choices]
    assert sorted(choice_texts) == sorted(["申诫罚", "财产罚", "人身罚", "行为罚"])
    assert all([c.text for c in p.choices] == choice_texts for p in page.parts)
    assert [c.text for c in page.parts[1].choices if c.chosen] == ["财产罚"]
    assert all(p.correct_text == "" and p.right is None for p in page.parts)
    assert all(c.correct is None for p in page.parts for c in p.choices)
    assert "C1." not in repr(page) and "answer" not in repr(page.parts)
    MATCHING.reveal(page, option_order=order, options=options, accepted=[], data={})
    assert [p.correct_text for p in page.parts] == ["申诫罚", "财产罚", "财产罚", "人身罚"]
    assert [p.right for p in page.parts] == [False, True, False, False]
    assert MATCHING.key_text(option_order=order, options=options, accepted=[], data={}) == (
        "警告→申诫罚；罚款→财产罚；没收违法所得→财产罚；行政拘留→人身罚"
    )


# --- an attempt ---------------------------------------------------------------------------------------


def test_an_attempt_starts_saves_submits_and_scores_with_partial_credit(learner, client_for):
    question = _question()
    exam = f.exam([question, f.question(QuestionType.SINGLE)], shuffle_options=True, partial_credit=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.get(position=1)
    options = question.current_version.options
    assert item.qtype == QuestionType.MATCHING
    assert sorted(item.option_order) == sorted(o["key"] for o in options)
    assert [k[0] for k in item.option_order] == ["P"] * 4 + ["C"] * 4  # items, then the answers

    page = client_for(learner).get(reverse("exams:attempt", args=[attempt.pk])).content.decode()
    assert page.count('name="q1-') == 4 and "<select" in page and "行为罚" in page
    assert 'data-answer-kind="parts"' in page

    response = _right_response(options, item.option_order)
    wrong = [str((int(v) + 1) % 4) for v in response]
    answer = [*response[:3], wrong[3]]  # three of four items right
    outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": answer}])
    assert [r.accepted for r in outcome.results] == [True]
    bad = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 2, "response": ["9"]}])
    assert not bad.results[0].accepted and "第 1 题的作答无效" in bad.results[0].error
    stored = AttemptAnswer.objects.get(item=item)
    assert stored.seq == 1 and len(stored.response) == 4

    attempt = submit_attempt(attempt_id=attempt.pk, user=learner)
    assert attempt.status == ExamAttempt.Status.GRADED
    assert AttemptAnswer.objects.get(item=item).score == Decimal("3.00")  # 3/4 of 4 points


def test_all_or_nothing_gives_nothing_for_three_of_four(learner):
    question = _question()
    exam = f.exam([question], partial_credit=False)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    item = attempt.items.get()
    response = _right_response(question.current_version.options, item.option_order)
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": [*response[:3], ""]}])
    submit_attempt(attempt_id=attempt.pk, user=learner)
    assert AttemptAnswer.objects.get(item=item).score == Decimal("0.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the paper is drawn in SQL on PostgreSQL")
def test_the_postgresql_start_shuffles_answers_always_and_items_only_when_asked(learner):
    shuffled = _question(name="乱序")
    kept = _question(name="不打乱", data={"shuffle": False})
    exam = f.exam([shuffled, kept], shuffle_options=True)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    orders = {
        i.question_version.question.name: i.option_order
        for i in attempt.items.select_related("question_version__question")
    }
    assert sorted(orders["乱序"]) == sorted(o["key"] for o in shuffled.current_version.options)
    assert orders["不打乱"][:4] == ["P1.1", "P2.1", "P3.1", "P4.1"]
    assert [k[0] for k in orders["乱序"]] == ["P"] * 4 + ["C"] * 4
    assert sorted(orders["不打乱"][4:]) == ["C1.1", "C1.2", "C1.3", "C1.4"]


# --- practice ---------------------------------------------------------------------------------------


def test_practice_checks_the_answer_from_the_page_and_from_a_plain_form(learner, client_for):
    question = _question(category="匹配练习")
    question.category.open_for_practice = True
    question.category.save()
    version = question.current_version
    order = practice_order(version, QuestionType.MATCHING)
    response = _right_response(version.options, order)
    outcome = answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=response)
    assert outcome.correct is True and outcome.key_shown
    assert [p.right for p in outcome.item.parts] == [True] * 4
    outcome = answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=[response[0]])
    assert outcome.correct is False  # practice is all or nothing
    with pytest.raises(Exception, match="第 1 题的作答无效"):
        answer_question(user=learner, question_id=question.pk, version_id=version.pk, raw=["7"])

    # Without JavaScript the form posts one control per item (q1-0, q1-1, …).
    form = {"question": question.pk, "version": version.pk}
    form.update({f"q1-{i}": value for i, value in enumerate(response)})
    page = client_for(learner).post(reverse("exams:practice_answer"), form).content.decode()
    assert "回答正确" in page and "申诫罚" in page


# --- the formats ------------------------------------------------------------------------------------


def _empty_bank() -> None:
    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()
    QuestionCategory.objects.all().delete()


def _bank() -> list[Question]:
    return [
        _question(name="处罚种类", category="匹配"),
        _question(
            name="保持顺序 & <特殊> {字符}",
            category="匹配",
            options=[
                {"text": "甲 = 乙 # 丙", "answer": "a:b ~ c"},
                {"text": "{括号} & <尖括号>", "answer": "x -> y"},
                {"text": "", "answer": "\\反斜杠"},
            ],
            data={"shuffle": False},
        ),
    ]


@pytest.mark.parametrize("fmt", ["moodle-xml", "gift", "xlsx"])
def test_export_then_import_gives_the_same_questions(fmt):
    bank = _bank()
    before = {q.name: (_pairs(q.current_version), _answers(q.current_version), q.current_version.options) for q in bank}
    data = export_questions(fmt=fmt)
    _empty_bank()
    outcome = import_questions(data=data, fmt=fmt)
    assert outcome.created == 2
    for question in Question.objects.select_related("current_version"):
        assert question.type == QuestionType.MATCHING
        pairs, answers, options = before[question.name]
        assert _pairs(question.current_version) == pairs
        assert _answers(question.current_version) == answers
        assert question.current_version.options == options  # the order marks too (不打乱)


def test_moodle_xml_export_writes_moodles_structure():
    _bank()
    data = export_questions(fmt="moodle-xml").decode()
    assert '<question type="matching">' in data and "<shuffleanswers>true</shuffleanswers>" in data
    assert (
        '<subquestion format="plain_text">\n      <text>警告</text>\n      <answer>\n        <text>申诫罚</text>'
        in data
    )
    assert '<subquestion format="plain_text">\n      <text />\n      <answer>\n        <text>行为罚</text>' in data


def test_gift_export_writes_pairs_and_distractors_as_moodle_does():
    _bank()
    data = export_questions(fmt="gift").decode()
    assert "\t=[plain]警告 -> 申诫罚\n" in data and "\t= -> 行为罚\n" in data


def test_moodle_xml_import_keeps_the_order_and_says_what_is_lost():
    xml = (
        b'<?xml version="1.0" encoding="UTF-8"?><quiz><question type="matching"><name><text>M</text></name>'
        b'<questiontext format="html"><text>Match.</text></questiontext><shuffleanswers>0</shuffleanswers>'
        b'<subquestion format="html"><text><![CDATA[<p>A <img src="https://example.org/a.png" alt="a"></p>]]></text>'
        b"<answer><text>a</text></answer></subquestion>"
        b'<subquestion format="html"><text><![CDATA[<b>B</b>]]></text><answer><text>b</text></answer></subquestion>'
        b'<subquestion format="html"><text></text><answer><text>c</text></answer></subquestion>'
        b"<hint><text>Think.</text></hint></question></quiz>"
    )
    parsed = moodle_xml.parse(xml)
    [draft] = parsed.questions
    assert draft.qtype == QuestionType.MATCHING and draft.data == {"shuffle": False}
    assert draft.options == [{"text": "A", "answer": "a"}, {"text": "B", "answer": "b"}, {"text": "", "answer": "c"}]
    warnings = [str(i) for i in parsed.issues]
    assert any("左项中的图片无法保留" in w for w in warnings)
    assert any("提示（hint）" in w for w in warnings)
    outcome = import_questions(data=xml, fmt="moodle-xml")
    assert outcome.created == 1
    assert all(o["shuffle"] == "never" for o in Question.objects.get().current_version.options if o["group"] == 0)


def test_a_broken_matching_question_is_refused_naming_it():
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?><quiz><question type="matching"><name><text>坏题</text></name>'
        '<questiontext format="html"><text>Match.</text></questiontext>'
        "<subquestion><text>A</text><answer><text>a</text></answer></subquestion>"
        "<subquestion><text>B</text><answer><text></text></answer></subquestion></question></quiz>"
    ).encode()
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=xml, fmt="moodle-xml")
    errors = [str(e) for e in exc.value.outcome.errors]
    assert any("坏题" in e and "左项“B”没有对应的右项" in e for e in errors)
    assert any("坏题" in e and "至少需要三个答案" in e for e in errors)
    assert not Question.objects.exists()


def test_gift_reads_moodles_own_matching_example():
    text = (
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "    = -> Chat\n}\n"
    )
    [draft] = gift.parse(text.encode()).questions
    assert draft.qtype == QuestionType.MATCHING
    assert [o["answer"] for o in draft.options] == ["Forum", "Choice", "Database", "Wiki", "Chat"]
    assert draft.options[-1]["text"] == "" and draft.options[0]["text"].startswith("An activity")
    refused = gift.parse("::坏::对应 {=甲 -> 乙 =丙}\n".encode())
    assert [str(i) for i in refused.issues] == ["第 1 行，第 1 题「坏」：匹配题的每一项应写成“=题目 -> 答案”。"]


def _sheet(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    headers = xlsx.headers()
    sheet.append(headers)
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_excel_rows_name_each_broken_cell():
    good = {
        "题型": "连线题",
        "题干": "对应",
        "选项A": "警告 -> 申诫罚",
        "选项B": "罚款 -> 财产罚",
        "选项C": "-> 人身罚",
    }
    outcome = import_questions(data=_sheet([good, {**good, "题干": "保持顺序", "答案": "不打乱"}]), fmt="xlsx")
    assert outcome.created == 2
    kept = Question.objects.get(current_version__stem="保持顺序").current_version
    assert all(o["shuffle"] == "never" for o in kept.options if o["group"] == 0)
    _empty_bank()
    bad = [
        {**good, "选项B": "罚款 财产罚"},
        {**good, "选项B": "罚款 ->"},
        {**good, "答案": "A"},
        {**good, "选项A": "", "选项B": ""},
    ]
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=_sheet(bad), fmt="xlsx")
    errors = [str(e) for e in exc.value.outcome.errors]
    assert errors[0].startswith("第 2 行") and "「选项B」列" in errors[0] and "左项 -> 右项" in errors[0]
    assert errors[1].startswith("第 3 行") and "「选项B」列" in errors[1] and "缺少右项" in errors[1]
    assert errors[2].startswith("第 4 行") and "「答案」列" in errors[2] and "应留空" in errors[2]
    assert errors[3].startswith("第 5 行") and "至少需要两个左项" in errors[3]
    assert not Question.objects.exists()


def test_the_template_lists_the_type_and_its_rules():
    assert xlsx.type_labels()[QuestionType.MATCHING] == "匹配题"
    assert xlsx.type_by_label()["连线题"] == QuestionType.MATCHING
    assert MATCHING.gift and MATCHING.xlsx and not MATCHING.aiken


# --- the bank editor in the admin ------------------------------------------------------------------------


def _admin_form(category, spec: str) -> dict:
    return editor_form(
        category,
        QuestionType.MATCHING,
        name="后台匹配",
        stem="将下列行政处罚与其种类对应起来。",
        answer_spec=spec,
        points="4",
    )


def test_the_admin_editor_saves_reads_back_and_names_what_is_wrong(trainer, client_for):
    category = ensure_category("法律知识/行政处罚法")
    client = client_for(trainer)
    spec = "警告 -> 申诫罚\n罚款 -> 财产罚\n-> 人身罚\n[不打乱]"
    response = client.post(reverse("exams_questions:add"), _admin_form(category, spec))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(name="后台匹配")
    assert question.type == QuestionType.MATCHING
    assert _pairs(question.current_version) == [("警告", "申诫罚"), ("罚款", "财产罚")]
    assert _answers(question.current_version) == ["申诫罚", "财产罚", "人身罚"]
    assert all(o["shuffle"] == "never" for o in question.current_version.options if o["group"] == 0)
    page = client.get(reverse("exams_questions:edit", args=[question.pk])).content.decode()
    assert "警告 -&gt; 申诫罚\n罚款 -&gt; 财产罚\n-&gt; 人身罚\n[不打乱]</textarea>" in page

    for bad, message in (
        ("警告 -> 申诫罚\n罚款 财产罚", "第 2 行“罚款 财产罚”缺少“->”"),
        ("警告 -> 申诫罚\n罚款 -> 财产罚", "匹配题至少需要三个答案"),
    ):
        response = client.post(reverse("exams_questions:add"), {**_admin_form(category, bad), "name": "坏的"})
        assert response.status_code == 200 and message in html.unescape(response.content.decode())
    assert not Question.objects.filter(name="坏的").exists()


def test_moodles_xmlformat_import_match_example():
    """question/format/xml/tests/xmlformat_test.php test_import_match: shuffleanswers 0, subquestions A, B, C and
    '' with answers a, b, c, d; the feedback and hints are ours to report as lost."""
    xml = b"""<?xml version="1.0" encoding="UTF-8"?><quiz>  <question type="matching">
    <name><text>Matching question</text></name>
    <questiontext format="html"><text>Match the upper and lower case letters.</text></questiontext>
    <generalfeedback><text>The answer is A -> a, B -> b and C -> c.</text></generalfeedback>
    <defaultgrade>1</defaultgrade><penalty>0.3333333</penalty><hidden>0</hidden>
    <shuffleanswers>false</shuffleanswers>
    <correctfeedback><text>Well done.</text></correctfeedback>
    <partiallycorrectfeedback><text>Not entirely.</text></partiallycorrectfeedback>
    <incorrectfeedback><text>Completely wrong!</text></incorrectfeedback>
    <subquestion><text>A</text><answer><text>a</text></answer></subquestion>
    <subquestion><text>B</text><answer><text>b</text></answer></subquestion>
    <subquestion><text>C</text><answer><text>c</text></answer></subquestion>
    <subquestion><text></text><answer><text>d</text></answer></subquestion>
    <hint><text>Hint 1</text><shownumcorrect /></hint>
    <hint><text></text><shownumcorrect /><clearwrong /></hint>
  </question></quiz>"""
    parsed = moodle_xml.parse(xml)
    [draft] = parsed.questions
    assert draft.qtype == QuestionType.MATCHING and draft.name == "Matching question"
    assert [o["text"] for o in draft.options] == ["A", "B", "C", ""]
    assert [o["answer"] for o in draft.options] == ["a", "b", "c", "d"]
    assert draft.data == {"shuffle": False}
    assert draft.explanation == "The answer is A -&gt; a, B -&gt; b and C -&gt; c."
    warnings = [str(i) for i in parsed.issues]
    assert sum("综合反馈" in w for w in warnings) == 3 and any("提示（hint）" in w for w in warnings)


def test_the_same_items_matched_differently_are_not_the_same_question():
    from exams.selectors.questions import content_fingerprint

    def fingerprint(rows):
        return content_fingerprint(
            QuestionType.MATCHING, build_content(qtype=QuestionType.MATCHING, stem="对应", options=rows)
        )

    swapped = [{"text": "警告", "answer": "财产罚"}, {"text": "罚款", "answer": "申诫罚"}, *ROWS[2:]]
    assert fingerprint(ROWS) == fingerprint(list(ROWS))
    assert fingerprint(ROWS) != fingerprint(swapped)
