"""Practice (练习), the 错题本 and mock exams: services and selectors."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from exams.models import (
    AttemptAnswer,
    Exam,
    ExamAttempt,
    Mistake,
    MockItem,
    MockPaper,
    PaperRule,
    PracticeRecord,
    QuestionType,
)
from exams.selectors.practice import (
    RANDOM,
    PracticeFilter,
    mistake_book,
    next_question,
    practice_overview,
    practice_questions,
)
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from exams.services.practice import PracticeError, answer_question, start_mock, submit_mock
from learning.models import LedgerEntry
from tests.factories import UserFactory

from . import factories_exams as f
from .practice_helpers import law_with_articles, open_bank

pytestmark = pytest.mark.django_db
RIGHT, WRONG = "1", "0"  # display indices of B and A: options are shown in the version's order


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


def _answer(user, question, raw):
    return answer_question(user=user, question_id=question.pk, version_id=question.current_version_id, raw=raw)


def test_only_questions_of_open_categories_and_their_subcategories_can_be_practised():
    opened = open_bank(2, name="行政处罚法")
    child = f.question(cat=f.category("听证", opened[0].category))
    closed = open_bank(2, name="保密", open_=False)
    archived = open_bank(1, name="旧题")[0]
    archived.is_archived = True
    archived.save()

    assert set(practice_questions()) == {*opened, child}
    with pytest.raises(PracticeError) as refused:
        _answer(UserFactory(), closed[0], RIGHT)
    assert refused.value.status == 404
    assert not PracticeRecord.objects.exists()


def test_a_practice_answer_is_checked_with_the_key_and_explanation_and_counted_per_law():
    articles = law_with_articles()
    questions = open_bank(4, articles=articles)
    user = UserFactory()

    wrong = _answer(user, questions[0], WRONG)
    right = _answer(user, questions[1], RIGHT)

    assert wrong.correct is False and right.correct is True
    assert [o.correct for o in wrong.item.options] == [False, True, False, False]
    assert [o.chosen for o in wrong.item.options] == [True, False, False, False]
    assert f.SECRET_EXPLANATION in wrong.item.explanation
    assert wrong.articles == [articles[0]]
    (law,) = practice_overview(user).laws
    assert (law.name, law.total, law.done, law.right) == ("行政处罚法", 4, 2, 1)
    assert [c.total for c in law.chapters] == [2, 2]
    assert practice_overview(UserFactory()).laws[0].done == 0


def test_practice_never_touches_attempts_the_ledger_or_statistics():
    questions = open_bank(2)
    user = UserFactory()
    _answer(user, questions[0], WRONG)
    _answer(user, questions[1], RIGHT)
    assert not ExamAttempt.objects.exists() and not AttemptAnswer.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_a_wrong_answer_lands_in_the_book_and_leaves_it_when_redone_right_keeping_its_count():
    articles = law_with_articles()
    (question,) = open_bank(1, articles=articles)
    user = UserFactory()

    _answer(user, question, WRONG)
    _answer(user, question, WRONG)
    groups, cleared = mistake_book(user)
    assert [g.name for g in groups] == ["行政处罚法"]
    assert [(e.question_id, e.times_missed) for e in groups[0].entries] == [(question.pk, 2)]
    assert cleared == 0

    outcome = _answer(user, question, RIGHT)
    assert outcome.left_book
    assert mistake_book(user) == ([], 1)
    assert Mistake.objects.get(user=user, question=question).times_missed == 2


def test_sequence_goes_through_the_chosen_law_in_order_and_random_picks_another():
    articles = law_with_articles()
    in_law = open_bank(3, articles=articles[:1])
    open_bank(2, name="其他")
    flt = PracticeFilter(law=articles[0].version.law_id)

    seen, after = [], None
    while (current := next_question(flt, after=after)) is not None:
        seen.append(current.question_id)
        after = current.question_id
    assert seen == [q.pk for q in in_law]
    chapter = next_question(PracticeFilter(chapter=articles[2].chapter_id))
    assert chapter is None  # no question cites the second chapter
    randomly = next_question(PracticeFilter(law=flt.law, order=RANDOM), after=in_law[0].pk)
    assert randomly.question_id in {in_law[1].pk, in_law[2].pk}


def test_filters_by_category_and_tag():
    parent = open_bank(1, name="法律知识")
    child = f.question(cat=f.category("行政许可法", parent[0].category))
    child.tags.add("高频")
    assert next_question(PracticeFilter(tag="高频")).question_id == child.pk
    ids = set()
    after = None
    while (current := next_question(PracticeFilter(category=parent[0].category_id), after=after)) is not None:
        ids.add(current.question_id)
        after = current.question_id
    assert ids == {parent[0].pk, child.pk}


# --- exam mistakes and the review policy ------------------------------------------


def _sit(exam, user, answer):
    attempt = start_attempt(exam_id=exam.pk, user=user)
    save_answers(attempt_id=attempt.pk, user=user, answers=[{"item": 1, "seq": 1, "response": answer}])
    return submit_attempt(attempt_id=attempt.pk, user=user)


@pytest.mark.parametrize(
    ("policy", "in_book", "key_hidden"),
    [
        (Exam.ReviewPolicy.FULL, True, False),
        (Exam.ReviewPolicy.RESPONSES, True, True),
        (Exam.ReviewPolicy.SCORE, False, None),
    ],
)
def test_exam_mistakes_follow_the_review_policy(policy, in_book, key_hidden):
    question = f.question(cat=f.category("闭卷题库"))  # not open for practice
    exam = f.exam([question], review_policy=policy, review_from=timezone.now() - timedelta(minutes=1))
    user = UserFactory()
    attempt = _sit(exam, user, 0)  # A: wrong
    assert attempt.status == ExamAttempt.Status.GRADED

    groups, _cleared = mistake_book(user)
    assert bool(groups) is in_book
    if not in_book:
        return
    assert Mistake.objects.get(user=user).key_hidden is key_hidden
    outcome = _answer(user, question, WRONG)  # redoing it from the book
    assert outcome.key_shown is not key_hidden
    assert any(o.correct for o in outcome.item.options) is not key_hidden
    assert bool(outcome.item.explanation) is not key_hidden


def test_an_exam_mistake_shows_only_once_the_exams_review_opens():
    question = f.question(cat=f.category("闭卷题库"))
    exam = f.exam([question], review_policy=Exam.ReviewPolicy.FULL)  # review opens at the exam's close
    user = UserFactory()
    _sit(exam, user, 0)
    assert mistake_book(user) == ([], 0)
    with pytest.raises(PracticeError):
        _answer(user, question, RIGHT)
    assert mistake_book(user, now=exam.closes_at + timedelta(seconds=1))[0]


def test_a_right_exam_answer_adds_nothing():
    question = f.question(cat=f.category("闭卷题库"))
    exam = f.exam([question], review_policy=Exam.ReviewPolicy.FULL, review_from=timezone.now())
    user = UserFactory()
    _sit(exam, user, 1)
    assert not Mistake.objects.exists()


# --- mock exams -------------------------------------------------------------------


def _mock_exam(questions, **extra):
    return f.exam(questions, has_mock=True, **extra)


def test_a_mock_paper_is_graded_at_once_and_counts_nowhere():
    single = f.question(points="2")
    fill = f.question(QuestionType.FILL, points="3")
    short = f.question(QuestionType.SHORT, points="5")
    exam = _mock_exam([single, fill, short])
    user = UserFactory()

    mock = start_mock(exam_id=exam.pk, user=user)
    assert mock.max_score == Decimal("5")  # short answers are not scored
    graded = submit_mock(paper_id=mock.pk, user=user, answers={1: "0", 2: "行政 处罚", 3: "理由如下"})

    assert graded.score == Decimal("3")
    assert list(MockItem.objects.filter(paper=mock).order_by("position").values_list("score", flat=True)) == [
        Decimal("0"),
        Decimal("3"),
        None,
    ]
    assert not ExamAttempt.objects.exists() and not LedgerEntry.objects.exists()
    assert list(Mistake.objects.values_list("question_id", "source")) == [(single.pk, Mistake.Source.MOCK)]
    again = submit_mock(paper_id=mock.pk, user=user, answers={1: "1"})
    assert again.score == Decimal("3")  # idempotent: the first submission stands


def test_a_mock_draws_by_the_exams_rules_as_often_as_the_learner_likes():
    cat = f.category("抽题库")
    for _ in range(4):
        f.question(cat=cat)
    exam = _mock_exam([], paper_mode=Exam.PaperMode.RULES, attempts_allowed=1)
    PaperRule.objects.create(
        exam=exam, category=cat, question_type=QuestionType.SINGLE, count=3, points_each=Decimal("2")
    )
    user = UserFactory()
    papers = [start_mock(exam_id=exam.pk, user=user) for _ in range(3)]
    assert MockPaper.objects.filter(user=user).count() == 3
    assert all(p.items.count() == 3 and p.max_score == Decimal("6") for p in papers)


def test_no_mock_without_the_flag_or_outside_the_audience(org_tree):
    question = f.question()
    without = f.exam([question])
    with pytest.raises(PracticeError):
        start_mock(exam_id=without.pk, user=UserFactory())
    scoped = _mock_exam([question])
    scoped.audience_units.add(org_tree["shufu"])
    with pytest.raises(PracticeError):
        start_mock(exam_id=scoped.pk, user=UserFactory(org_unit=org_tree["shache_dept"]))
    other_user_paper = start_mock(exam_id=_mock_exam([question]).pk, user=UserFactory())
    with pytest.raises(PracticeError):
        submit_mock(paper_id=other_user_paper.pk, user=UserFactory(), answers={})


def test_trainers_open_a_category_and_its_subcategories_follow():
    from exams.admin_forms import CategoryAdminForm
    from exams.services.questions import save_category

    parent = save_category(name="法律知识", open_for_practice=True)
    child = save_category(name="行政强制法", parent=parent)
    question = f.question(cat=child)
    assert list(practice_questions()) == [question]

    renamed = save_category(category=parent, name="法律法规知识")  # not saying keeps the choice
    assert renamed.open_for_practice
    form = CategoryAdminForm(instance=renamed, data={"name": "法律法规知识", "description": ""})
    assert form.is_valid(), form.errors
    form.save()  # the editor's unticked box closes it
    assert not list(practice_questions())


def test_an_exam_mistake_hides_its_key_while_the_learner_sits_an_exam():
    question = f.question(cat=f.category("闭卷题库"))
    exam = f.exam([question], review_policy=Exam.ReviewPolicy.FULL, review_from=timezone.now(), attempts_allowed=2)
    user = UserFactory()
    _sit(exam, user, 0)
    start_attempt(exam_id=exam.pk, user=user)  # the retake, in progress

    outcome = _answer(user, question, WRONG)

    assert not outcome.key_shown and not outcome.item.explanation
    assert not any(o.correct for o in outcome.item.options)


def test_recording_a_practice_answer_counts_files_and_resolves_as_the_book_rules_say():
    """``record_practice_answer`` (one statement on PostgreSQL, the ORM elsewhere): the record counts every
    answer; a miss files or re-opens the entry, and a miss shown its key un-hides an exam's hidden key but a
    hidden one never hides a shown key; a right answer resolves an open entry once; a short answer only counts."""
    from exams.services.mistakes import record_misses, record_practice_answer

    learner = UserFactory()
    question, other = open_bank(2)
    now = timezone.now()

    def book(q):
        return Mistake.objects.filter(user=learner, question=q).values_list("times_missed", "key_hidden", "resolved_at")

    record_misses(user_id=learner.pk, question_ids=[question.pk], source=Mistake.Source.EXAM, now=now, key_hidden=True)
    assert (
        record_practice_answer(user_id=learner.pk, question_id=question.pk, correct=False, now=now, key_hidden=True)
        is False
    )
    assert list(book(question)) == [(2, True, None)]  # still hidden: this miss did not show the key either
    record_practice_answer(user_id=learner.pk, question_id=question.pk, correct=False, now=now, key_hidden=False)
    assert list(book(question)) == [(3, False, None)]
    later = now + timedelta(minutes=1)
    assert record_practice_answer(
        user_id=learner.pk, question_id=question.pk, correct=True, now=later, key_hidden=False
    )
    assert list(book(question)) == [(3, False, later)]
    assert not record_practice_answer(
        user_id=learner.pk, question_id=question.pk, correct=True, now=later, key_hidden=False
    )
    record_practice_answer(user_id=learner.pk, question_id=question.pk, correct=False, now=later, key_hidden=True)
    assert list(book(question)) == [(4, False, None)]  # re-opened; the key it was shown stays shown

    assert not record_practice_answer(user_id=learner.pk, question_id=other.pk, correct=None, now=now, key_hidden=False)
    assert not book(other).exists()
    records = {
        r.question_id: (r.answered_count, r.right_count, r.last_correct)
        for r in PracticeRecord.objects.filter(user=learner)
    }
    assert records == {question.pk: (5, 2, False), other.pk: (1, 0, False)}
