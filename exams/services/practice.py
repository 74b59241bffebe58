"""Practice (练习) and mock exams (模拟考试): answered, graded and shown at once, counted nowhere.

Both write only their own rows (``PracticeRecord``, ``MockPaper``/``MockItem``) and the learner's
错题本 (``exams.services.mistakes``); never an attempt, an answer of an attempt, the ledger or
anything statistics read. They grade with the one grader (``exams.grading.score_fraction``),
read answers with the attempt page's parser (``response_from_client``) and draw a mock paper
with the exam's own drawing (``draw_paper``: the fixed paper or the rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import LawArticle
from exams import qtypes
from exams.grading import score_fraction
from exams.models import ExamAttempt, Mistake, MockItem, MockPaper
from exams.selectors.attempts import PageItem, reveal_key
from exams.selectors.exams import in_audience, published_exam_for
from exams.selectors.practice import practice_item, practice_order, practice_version, visible_mistakes
from exams.services import mistakes
from exams.services.attempts import AttemptError, draw_paper, response_from_client

CENT = Decimal("0.01")


class PracticeError(Exception):
    """Something the learner caused; ``status`` is the HTTP status a view should answer."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass
class PracticeOutcome:
    question_id: int
    correct: bool | None  # None: a short answer, which is not scored
    item: PageItem
    key_shown: bool
    left_book: bool = False
    articles: list[LawArticle] = field(default_factory=list)


def answer_question(*, user, question_id: int, version_id: int, raw) -> PracticeOutcome:
    """Check one practice answer, record it, and update the 错题本.

    The question must be open for practice, or be in the learner's book (redoing a mistake,
    perhaps from an exam whose bank is not open); the correct answer and the explanation are
    shown unless the only way in is a mistake whose exam hides its key.
    """
    found = practice_version(version_id=version_id, question_id=question_id)
    if not found:
        raise PracticeError(_("没有找到这道题。"), status=404)
    version = found[0]
    question_id, qtype = version.question_id, version.question_type
    now = timezone.now()
    open_ = version.open_for_practice
    mistake = None if open_ else visible_mistakes(user, now=now).filter(question_id=question_id).first()
    if not open_ and mistake is None:
        raise PracticeError(_("没有找到这道题。"), status=404)
    # Reached only through an exam's mistake: its key is shown as the exam's result page would show it, which
    # is never while the learner sits an exam (``review_rights``: no key with an attempt in progress).
    key_shown = open_ or (not mistake.key_hidden and not _sitting_an_exam(user))
    order = practice_order(version, qtype)
    try:
        value = response_from_client(qtype, order, raw, position=1)
    except AttemptError as exc:
        raise PracticeError(exc.message)
    if value is None:
        raise PracticeError(_("请先作答再提交。"))
    fraction = score_fraction(
        qtype, version.options, version.accepted_answers, value, partial_credit=False, data=version.data
    )
    correct = None if fraction is None else fraction == 1
    left_book = mistakes.record_practice_answer(
        user_id=user.pk, question_id=question_id, correct=correct, now=now, key_hidden=not key_shown
    )
    item = practice_item(version, response=value, qtype=qtype)
    if key_shown:
        reveal_key(
            item,
            option_order=order,
            options=version.options,
            accepted_answers=version.accepted_answers,
            explanation=version.explanation,
            data=version.data,
        )
    articles = list(
        LawArticle.objects.filter(questions=question_id)
        .select_related("version__law")
        .order_by("version__law_id", "number")
    )
    return PracticeOutcome(question_id, correct, item, key_shown, left_book, articles)


def _sitting_an_exam(user) -> bool:
    return ExamAttempt.objects.filter(user=user, status=ExamAttempt.Status.IN_PROGRESS).exists()


# --- mock exams -------------------------------------------------------------------------


def start_mock(*, exam_id: int, user) -> MockPaper:
    """Draw a new mock paper for ``user`` by the exam's rules; as often as they like."""
    exam = published_exam_for(int(exam_id), user)
    if exam is None or not exam.has_mock or not in_audience(exam, user):
        raise PracticeError(_("这场考试没有向您开放模拟考试。"), status=404)
    try:
        paper = draw_paper(exam)
    except AttemptError as exc:
        raise PracticeError(exc.message)
    with transaction.atomic():
        mock = MockPaper.objects.create(
            exam=exam,
            user=user,
            started_at=timezone.now(),
            max_score=sum((i.points for i in paper if not qtypes.get(i.qtype).manual), Decimal("0")),
        )
        MockItem.objects.bulk_create(
            [
                MockItem(
                    paper=mock,
                    question_version_id=item.version_id,
                    position=position,
                    qtype=item.qtype,
                    option_order=item.option_order,
                    points=item.points,
                )
                for position, item in enumerate(paper, start=1)
            ]
        )
    return mock


def submit_mock(*, paper_id: int, user, answers: dict[int, object]) -> MockPaper:
    """Grade a mock paper at once (objective questions; short answers are shown, not scored). Idempotent.

    ``answers`` maps a question's position to what the page sent (display indices or text).
    """
    now = timezone.now()
    with transaction.atomic():
        mock = (
            MockPaper.objects.select_for_update(of=("self",))
            .select_related("exam")
            .filter(pk=paper_id, user=user)
            .first()
        )
        if mock is None:
            raise PracticeError(_("没有找到这份模拟试卷。"), status=404)
        if mock.submitted_at is not None:
            return mock
        items = list(mock.items.select_related("question_version").order_by("position"))
        missed = []
        total = Decimal("0")
        for item in items:
            try:
                item.response = response_from_client(
                    item.qtype, item.option_order, answers.get(item.position), position=item.position
                )
            except AttemptError as exc:
                raise PracticeError(exc.message)
            version = item.question_version
            fraction = score_fraction(
                item.qtype,
                version.options,
                version.accepted_answers,
                item.response,
                partial_credit=mock.exam.partial_credit,
                data=version.data,
            )
            if fraction is None:
                item.score = None
                continue
            item.score = (item.points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)
            total += item.score
            if item.score < item.points:
                missed.append(version.question_id)
        MockItem.objects.bulk_update(items, ["response", "score"])
        mock.score = total
        mock.submitted_at = now
        mock.save(update_fields=["score", "submitted_at"])
        mistakes.record_misses(user_id=user.pk, question_ids=missed, source=Mistake.Source.MOCK, now=now)
    return mock
