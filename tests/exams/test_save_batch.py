"""One bad answer in a save batch does not block the others: good ones are stored, bad ones come back refused."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from exams.models import AttemptAnswer, QuestionType
from exams.services.attempts import AttemptError, save_answers, start_attempt

from . import factories_exams as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt(learner):
    """Paper: 1 single, 2 multiple, 3 true/false, 4 fill, 5 short answer, 6 single (no shuffling)."""
    exam = f.exam(
        [
            f.question(QuestionType.SINGLE, correct=("B",)),
            f.question(QuestionType.MULTIPLE, correct=("A", "C")),
            f.question(QuestionType.TRUEFALSE, correct=("T",)),
            f.question(QuestionType.FILL),
            f.question(QuestionType.SHORT),
            f.question(QuestionType.SINGLE),
        ]
    )
    return start_attempt(exam_id=exam.pk, user=learner)


def _stored(attempt) -> dict[int, tuple[int, object]]:
    rows = AttemptAnswer.objects.filter(item__attempt=attempt).values_list("item__position", "seq", "response")
    return {position: (seq, response) for position, seq, response in rows}


GOOD = [
    {"item": 1, "seq": 10, "response": 1},  # B
    {"item": 3, "seq": 10, "response": 0},  # T
    {"item": 4, "seq": 10, "response": "行政处罚"},
]
BAD = [
    ({"item": 2, "seq": 10, "response": "A和C"}, 2, "第 2 题的作答无效，请刷新页面后重新作答。"),  # wrong type
    ({"item": 6, "seq": 10, "response": 9}, 6, "第 6 题的作答无效，请刷新页面后重新作答。"),  # no such option
    ({"item": 99, "seq": 10, "response": 0}, 99, "答卷中没有第 99 题，请刷新页面。"),  # not on the paper
    ({"item": 5, "seq": 10, "response": "长" * 10_001}, 5, "第 5 题的答案过长（最多 10000 字）。"),
    ({"item": 1, "seq": "soon", "response": 0}, 1, "第 1 题的保存序号无效，请刷新页面。"),
    ("not an answer", None, "答案格式无效，请刷新页面。"),
]


def test_good_answers_are_saved_and_each_bad_one_is_reported(attempt, learner):
    answers = [GOOD[0], BAD[0][0], GOOD[1], BAD[1][0], BAD[2][0], GOOD[2], BAD[3][0], BAD[5][0]]
    outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=answers)

    stored = _stored(attempt)
    assert stored[1] == (10, "B")
    assert stored[3] == (10, "T")
    assert stored[4] == (10, "行政处罚")
    assert stored[2] == stored[5] == stored[6] == (0, None)

    by_item = {(r.position, r.error) for r in outcome.results if not r.accepted}
    assert by_item == {(position, message) for entry, position, message in BAD if entry in answers}
    assert {r.position for r in outcome.results if r.accepted} == {1, 3, 4}


def test_the_page_gets_each_refusal_with_its_reason(attempt, learner, client_for):
    answers = [*GOOD, *(entry for entry, _p, _m in BAD)]
    response = client_for(learner).post(
        reverse("exams:save", args=[attempt.pk]), data=json.dumps({"answers": answers}), content_type="application/json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True
    accepted = sorted(r["item"] for r in body["saved"] if r["accepted"])
    refused = sorted(((r["item"], r["error"]) for r in body["saved"] if not r["accepted"]), key=str)
    assert accepted == [1, 3, 4]
    assert refused == sorted(((p, m) for _e, p, m in BAD), key=str)
    assert all("error" not in r for r in body["saved"] if r["accepted"])
    assert _stored(attempt)[1] == (10, "B")


def test_an_older_answer_is_not_refused_only_not_applied(attempt, learner):
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 20, "response": 2}])
    outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 5, "response": 1}, GOOD[1]])
    older = next(r for r in outcome.results if r.position == 1)
    assert (older.accepted, older.error) == (False, "")
    assert _stored(attempt)[1] == (20, "C")
    assert _stored(attempt)[3] == (10, "T")


def test_a_batch_of_only_bad_answers_changes_nothing_and_says_why(attempt, learner):
    outcome = save_answers(attempt_id=attempt.pk, user=learner, answers=[BAD[2][0], BAD[1][0]])
    assert [(r.position, r.accepted) for r in outcome.results] == [(6, False), (99, False)]
    assert all(seq == 0 for seq, _r in _stored(attempt).values())


def test_what_concerns_the_whole_batch_still_refuses_it(attempt, learner):
    with pytest.raises(AttemptError, match="没有收到答案"):
        save_answers(attempt_id=attempt.pk, user=learner, answers={"item": 1})
    with pytest.raises(AttemptError, match="一次提交的答案过多"):
        save_answers(attempt_id=attempt.pk, user=learner, answers=[GOOD[0]] * 201)


def test_someone_elses_attempt_is_not_found_even_with_only_bad_answers(attempt, org_tree):
    from tests.factories import UserFactory

    other = UserFactory(org_unit=org_tree["shache_dept"])
    with pytest.raises(AttemptError) as caught:
        save_answers(attempt_id=attempt.pk, user=other, answers=[BAD[2][0]])
    assert caught.value.status == 404
