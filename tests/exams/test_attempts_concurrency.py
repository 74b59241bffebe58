"""Races on real PostgreSQL: double submit, double start, saves racing the deadline task."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from exams.models import AttemptAnswer, ExamAttempt, QuestionType
from exams.services.attempts import (
    AttemptError,
    close_attempt,
    save_answers,
    start_attempt,
    submit_attempt,
)
from learning.models import LedgerEntry

from . import factories_exams as f

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks"),
]


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Passing issues a certificate whose PDF must not land in the real media root."""
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _in_threads(n, fn):
    """Run ``fn(i)`` in ``n`` threads released together; return results (exceptions as values)."""
    barrier = threading.Barrier(n)

    def run(i):
        try:
            barrier.wait()
            return fn(i)
        except Exception as exc:  # the test inspects what each thread got
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(run, range(n)))


def test_concurrent_double_submit_gives_one_result_and_one_credit(learner):
    exam = f.exam([f.question(QuestionType.SINGLE, correct=("B",)), f.question(QuestionType.FILL)], pass_percent=50)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    order = attempt.items.get(position=1).option_order
    save_answers(attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": 1, "response": order.index("B")}])

    results = _in_threads(6, lambda i: submit_attempt(attempt_id=attempt.pk, user=learner))

    assert not [r for r in results if isinstance(r, Exception)]
    assert {(r.status, r.score, r.graded_at) for r in results} == {
        (ExamAttempt.Status.GRADED, results[0].score, results[0].graded_at)
    }
    assert LedgerEntry.objects.filter(source_key=f"exam:{exam.pk}:{learner.pk}").count() == 1
    assert ExamAttempt.objects.get(pk=attempt.pk).score == 1
    assert all(r.passed for r in results)


def test_concurrent_starts_make_one_attempt(learner):
    exam = f.exam([f.question()], attempts_allowed=5)
    results = _in_threads(6, lambda i: start_attempt(exam_id=exam.pk, user=learner))
    assert not [r for r in results if isinstance(r, Exception)]
    assert len({r.pk for r in results}) == 1
    assert ExamAttempt.objects.filter(exam=exam, user=learner).count() == 1


def test_no_acknowledged_save_is_lost_when_the_deadline_closes_the_attempt(learner):
    """Saves racing the close: every save the server acknowledged is in the graded attempt."""
    questions = [f.question(QuestionType.FILL) for _ in range(4)]
    exam = f.exam(questions)
    attempt = start_attempt(exam_id=exam.pk, user=learner)
    acknowledged: dict[int, int] = {}
    lock = threading.Lock()

    def work(i):
        if i == 0:
            return close_attempt(attempt_id=attempt.pk, by=ExamAttempt.ClosedBy.DEADLINE)
        position = i
        for seq in range(1, 200):
            try:
                outcome = save_answers(
                    attempt_id=attempt.pk, user=learner, answers=[{"item": position, "seq": seq, "response": f"v{seq}"}]
                )
            except AttemptError:
                return None
            if outcome.results[0].accepted:
                with lock:
                    acknowledged[position] = seq
        return None

    _in_threads(5, work)
    closed = ExamAttempt.objects.get(pk=attempt.pk)
    assert closed.status == ExamAttempt.Status.GRADED
    for position, seq in acknowledged.items():
        answer = AttemptAnswer.objects.get(item__attempt=attempt, item__position=position)
        assert answer.seq == seq and answer.response == f"v{seq}"
        assert answer.score is not None and answer.graded_at <= closed.graded_at


def test_submits_of_one_exam_do_not_wait_for_each_other(org_tree):
    """Closing locks the attempt row only, never the exam row the whole room shares."""
    from django.db import transaction

    from tests.factories import UserFactory

    exam = f.exam([f.question(QuestionType.SINGLE)])
    people = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(2)]
    attempts = [start_attempt(exam_id=exam.pk, user=p) for p in people]
    holding, release = threading.Event(), threading.Event()

    def work(i):
        if i == 0:
            with transaction.atomic():
                close_attempt(attempt_id=attempts[0].pk, by=ExamAttempt.ClosedBy.LEARNER)
                holding.set()
                release.wait(10)
            return None
        holding.wait(10)
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '2s'")
                return submit_attempt(attempt_id=attempts[1].pk, user=people[1]).status
        finally:
            release.set()

    results = _in_threads(2, work)
    assert results[1] == ExamAttempt.Status.GRADED


def test_racing_saves_of_one_question_keep_the_highest_seq(learner):
    """Two tabs and late retries hammering one question: the stored answer is the newest one sent."""
    exam = f.exam([f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)

    def work(i):
        accepted = []
        for seq in range(i + 1, 400, 6):  # six writers, interleaved sequence numbers
            outcome = save_answers(
                attempt_id=attempt.pk, user=learner, answers=[{"item": 1, "seq": seq, "response": f"s{seq}"}]
            )
            if outcome.results[0].accepted:
                accepted.append(seq)
        return accepted

    results = _in_threads(6, work)
    assert not [r for r in results if isinstance(r, Exception)]
    answer = AttemptAnswer.objects.get(item__attempt=attempt, item__position=1)
    newest = max(max(r) for r in results if r)
    assert (answer.seq, answer.response) == (newest, f"s{newest}")
    assert newest == max(range(1, 400))
