"""Question-bank helpers for tests: questions are made through the real service."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from exams.models import Question, QuestionType
from exams.services.questions import ensure_category, save_question

FORMATS_DIR = Path(__file__).resolve().parent / "data" / "question-formats"


def make_question(qtype: str = QuestionType.SINGLE, *, category: str = "法律知识/行政处罚法", **overrides) -> Question:
    fields = {
        "stem": "行政处罚决定书应当盖有什么？",
        "options": [
            {"text": "当事人签名", "correct": False},
            {"text": "作出决定的行政机关印章", "correct": True},
            {"text": "执法人员签名", "correct": False},
        ],
        "points": Decimal("2"),
        "explanation": "见行政处罚法第五十九条。",
    }
    if qtype == QuestionType.MULTIPLE:
        fields["options"] = [
            {"text": "警告", "correct": True},
            {"text": "罚款", "correct": True},
            {"text": "记过", "correct": False},
            {"text": "行政拘留", "correct": True},
        ]
    elif qtype == QuestionType.TRUEFALSE:
        fields["options"] = [{"key": "T", "correct": True}, {"key": "F", "correct": False}]
    elif qtype == QuestionType.FILL:
        fields["options"] = []
        fields["accepted_answers"] = ["非歧视", "非歧视原则"]
    elif qtype == QuestionType.SHORT:
        fields["options"] = []
        fields["accepted_answers"] = ["公开、公平、公正。"]
    fields.update(overrides)
    return save_question(category=ensure_category(category), qtype=qtype, **fields)


def use_in_attempt(version, user) -> None:
    """Put ``version`` on an attempt's frozen paper (what makes it immutable)."""
    from exams.models import AttemptQuestion, ExamAttempt
    from tests.exams.factories_exams import exam

    now = timezone.now()
    attempt = ExamAttempt.objects.create(
        exam=exam(), user=user, number=1, started_at=now, deadline=now + timedelta(minutes=30)
    )
    AttemptQuestion.objects.create(
        attempt=attempt, question_version=version, position=1, qtype=version.question.type, points=version.points
    )


def editor_form(category, qtype: str, *, stem: str, answer_spec: str = "", **fields) -> dict:
    """What the bank editor (``exams_questions:add``/``edit``) posts for a question whose answers are 答案设置 text."""
    return {
        "category": category.pk,
        "type": qtype,
        "name": "",
        "stem": stem,
        "answer_spec": answer_spec,
        "points": "2",
        "difficulty": "medium",
        "explanation": "",
        "tags": "",
        "law_citations": "",
        "idnumber": "",
        **fields,
    }
