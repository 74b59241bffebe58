"""Helpers for the credential review tests: credentials through the register's own import path,
exam attempts through the exams services."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from accounts.models import Credential
from accounts.services.credentials import sync_from_staff
from exams.models import ExamAttempt
from exams.services.attempts import save_answers, start_attempt, submit_attempt
from tests.exams import factories_exams as fe
from tests.factories import UserFactory

_numbers = itertools.count(1)


def officer(unit, **kwargs):
    """An enforcement officer with a registered credential (as the staff import registers it)."""
    user = UserFactory(org_unit=unit, credential_no=f"6531{next(_numbers):08d}", **kwargs)
    sync_from_staff([user])
    user.credential = Credential.objects.get(number=user.credential_no)
    return user


def annual_exam(year: int, **overrides):
    """A published one-question annual law exam open now (correct answer: B)."""
    fields = {"title": f"{year}年度行政执法人员学法考试", "is_annual_law_exam": True, "year": year}
    fields.update(overrides)
    return fe.exam([fe.question(correct=("B",))], **fields)


def sit(exam, user, *, correct: bool) -> ExamAttempt:
    """Start, answer and submit the exam's single question."""
    attempt = start_attempt(exam_id=exam.pk, user=user)
    order = attempt.items.get().option_order
    save_answers(
        attempt_id=attempt.pk,
        user=user,
        answers=[{"item": 1, "seq": 1, "response": order.index("B" if correct else "A")}],
    )
    return submit_attempt(attempt_id=attempt.pk, user=user)


def close_window(exam) -> None:
    """Move an exam's window into the past (as if it had run earlier)."""
    type(exam).objects.filter(pk=exam.pk).update(
        opens_at=timezone.now() - timedelta(days=30), closes_at=timezone.now() - timedelta(days=29)
    )
    exam.refresh_from_db()
