"""``seed_demo``: the data ``make run`` loads — every role can sign in, every page has data, re-runs add nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from accounts.models import OrgUnit, User
from classroom.models import TrainingSession
from core import timeutil
from demo.people import DEMO_TOTP_SECRETS
from exams.models import Exam
from learning.models import LedgerEntry, YearClose, YearStatus
from notifications.models import Notification
from plans.models import StudyPlan
from review.models import AnnualReviewOutcome


def _counts():
    return {
        "units": OrgUnit.objects.count(),
        "people": User.objects.count(),
        "entries": LedgerEntry.objects.count(),
        "plans": StudyPlan.objects.count(),
        "exams": Exam.objects.count(),
        "sessions": TrainingSession.objects.count(),
        "outcomes": AnnualReviewOutcome.objects.count(),
        "messages": Notification.objects.count(),
    }


@pytest.mark.django_db(transaction=False)
def test_seed_demo_is_complete_and_idempotent(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    out = io.StringIO()
    call_command("seed_demo", staff=30, stdout=out)
    printed = out.getvalue()
    for login in ("demo_admin", "demo_hr_pref", "demo_trainer"):
        assert login in printed
    assert f"两步验证 TOTP 密钥：{DEMO_TOTP_SECRETS['demo_admin']}" in printed
    assert "恢复码（各可用一次）：" in printed
    first = _counts()
    kinds = dict(OrgUnit.objects.order_by().values_list("kind").annotate(n=Count("pk")))
    assert (kinds["prefecture"], kinds["county"], kinds["township"]) == (1, 12, 184)
    assert OrgUnit.objects.filter(kind="department", depth=2).count() == 32  # prefecture departments
    assert first["people"] >= 30 and first["entries"] > 0 and first["sessions"] > 0
    plan = StudyPlan.objects.get(year=timeutil.current_year())
    kinds = sorted(plan.items.values_list("kind", flat=True))
    assert kinds == ["course", "course", "exam"]
    assert plan.items.get(kind="exam").exam.is_annual_law_exam
    last_year = timeutil.current_year() - 1
    assert YearClose.objects.get(year=last_year).headcount == YearStatus.objects.filter(year=last_year).count() > 30
    assert AnnualReviewOutcome.objects.filter(year=last_year).exists()  # the HR roster has something to show
    # the demo learner's "消息" holds real events: today's reminders (the exam that opened yesterday; the month's
    # pace reminder, as they are behind); the credits seed_demo posts are announced once committed (not in this test)
    learner_kinds = set(Notification.objects.filter(user__employee_no="demo_learner").values_list("kind", flat=True))
    assert "exam_open" in learner_kinds
    assert timeutil.today().month == 1 or "pace" in learner_kinds
    assert "消息：" in printed
    call_command("seed_demo", staff=30, quiet=True, stdout=io.StringIO())
    assert _counts() == first


def test_seed_demo_takes_a_province_but_refuses_more(db):
    from django.core.management.base import CommandError

    from demo.management.commands.seed_demo import MAX_STAFF

    assert MAX_STAFF >= 52_350  # a province's enforcement staff
    with pytest.raises(CommandError, match=f"--staff 必须在 0 到 {MAX_STAFF} 之间"):
        call_command("seed_demo", staff=MAX_STAFF + 1, stdout=io.StringIO())
