"""The demo opens its bank for practice, cites 行政处罚法 and gives the demo exam a mock (idempotently)."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from demo.exams import seed_demo_exam
from exams.models import Question
from exams.selectors.practice import practice_overview
from tests.cms.law_helpers import PENALTY, copy_laws

pytestmark = pytest.mark.django_db


def test_demo_bank_is_open_for_practice_by_law_and_the_demo_exam_has_a_mock(tmp_path, org_tree, trainer, learner):
    call_command("import_laws", str(copy_laws(tmp_path / "laws", PENALTY)))
    exam = seed_demo_exam(year=2026, created_by=trainer)
    again = seed_demo_exam(year=2026, created_by=trainer)

    assert again.pk == exam.pk and exam.has_mock
    demo = Question.objects.filter(name__startswith="XZCF-")
    assert demo.count() == 12 and all(q.law_articles.count() == 1 for q in demo)
    (law,) = practice_overview(learner).laws
    assert (law.name, law.total, law.done) == ("行政处罚法", 12, 0)
    assert demo.get(name="XZCF-05").law_articles.get().number == 42
