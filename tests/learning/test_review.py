"""The annual credential review: outcomes with reasons in words, status changes in the history,
make-ups that clear a failed review, and idempotent re-runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import AuditLog, CredentialEvent, CredentialStatus
from core import timeutil
from exams.models import Exam
from learning.models import AnnualRequirement, CategoryMinimum, SourceKind
from learning.services.ledger import ensure_default_categories, manual_adjustment
from learning.services.yearclose import close_year
from review.models import AnnualReviewOutcome, AnnualReviewRule
from review.services.review import ReviewError, re_evaluate, re_evaluate_failing, run_annual_review
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
YEAR = timeutil.current_year() - 1
DAY = dt.date(YEAR, 6, 1)


def _outcome(user) -> AnnualReviewOutcome:
    return AnnualReviewOutcome.objects.get(credential=user.credential, year=YEAR)


def _history(user) -> list[tuple[str, str]]:
    return list(
        CredentialEvent.objects.filter(credential=user.credential)
        .order_by("at", "pk")
        .values_list("from_status", "to_status")
    )


def test_officer_half_an_hour_short_fails_with_the_shortfall_named(org_tree):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="59.5", earned_on=DAY)

    run = run_annual_review(year=YEAR)

    outcome = _outcome(person)
    assert run.failed == 1 and not outcome.passed
    assert outcome.reasons == ["差 0.5 学时"]
    assert outcome.hours == Decimal("59.5") and outcome.required_hours == Decimal("60")
    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.PENDING_REVIEW
    event = CredentialEvent.objects.filter(credential=person.credential).latest("pk")
    assert (event.from_status, event.to_status, event.year) == ("valid", "pending_review", YEAR)
    assert "差 0.5 学时" in event.reason


def test_officer_with_sixty_hours_passes_and_keeps_a_valid_credential(org_tree):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="40", earned_on=DAY)
    credit(person, hours="20", earned_on=DAY, category="professional")

    run_annual_review(year=YEAR)

    outcome = _outcome(person)
    assert outcome.passed and outcome.reasons == []
    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.VALID
    assert _history(person) == [("", "valid")]


def test_a_missed_category_minimum_fails_with_the_category_named(org_tree):
    ensure_default_categories()
    requirement = AnnualRequirement.objects.create(year=YEAR, required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=requirement, category_id="legal", min_hours=Decimal("20"))
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="62", earned_on=DAY, category="professional")
    credit(person, hours="18", earned_on=DAY, category="legal")

    run_annual_review(year=YEAR)

    assert _outcome(person).reasons == ["法律知识类差 2 学时"]


def test_shortfall_and_category_are_both_named(org_tree):
    ensure_default_categories()
    requirement = AnnualRequirement.objects.create(year=YEAR, required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=requirement, category_id="legal", min_hours=Decimal("20"))
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="52.5", earned_on=DAY, category="professional")

    run_annual_review(year=YEAR)

    assert _outcome(person).reasons == ["差 7.5 学时", "法律知识类差 20 学时"]


def test_failed_annual_exam_fails_the_review_and_a_makeup_pass_clears_it(org_tree, django_capture_on_commit_callbacks):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="60", earned_on=DAY)
    exam = fr.annual_exam(YEAR, credit_hours=Decimal("0"))
    fr.sit(exam, person, correct=False)
    fr.close_window(exam)
    AnnualReviewRule.objects.create(year=YEAR, annual_exam=exam)

    run_annual_review(year=YEAR)
    outcome = _outcome(person)
    assert not outcome.passed and outcome.reasons == ["年度考法未通过"]
    assert outcome.exam_required and outcome.exam_passed is False

    makeup = fr.annual_exam(YEAR, title="年度学法考试（补考）", makeup_for=exam, is_annual_law_exam=False)
    with django_capture_on_commit_callbacks(execute=True):
        attempt = fr.sit(makeup, person, correct=True)
    assert attempt.passed

    outcome.refresh_from_db()
    assert outcome.passed and outcome.reasons == [] and outcome.exam_passed is True
    assert outcome.cleared_at is not None and "年度考法补考通过" in outcome.clear_reason
    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.VALID
    events = list(CredentialEvent.objects.filter(credential=person.credential).order_by("at", "pk"))
    assert [(e.from_status, e.to_status) for e in events] == [
        ("", "valid"),
        ("valid", "pending_review"),
        ("pending_review", "valid"),
    ]
    assert "年度考法未通过" in events[1].reason
    assert "补正通过" in events[2].reason and "年度考法补考通过" in events[2].reason
    assert {events[1].year, events[2].year} == {YEAR}


def test_a_makeup_pass_that_posts_no_hours_is_caught_by_the_nightly_re_evaluation(org_tree):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="60", earned_on=DAY)
    exam = fr.annual_exam(YEAR, credit_hours=Decimal("0"))
    fr.sit(exam, person, correct=False)
    AnnualReviewRule.objects.create(year=YEAR, annual_exam=exam)
    run_annual_review(year=YEAR)
    makeup = fr.annual_exam(YEAR, makeup_for=exam, is_annual_law_exam=False, credit_hours=Decimal("0"))
    fr.sit(makeup, person, correct=True)
    assert not _outcome(person).passed  # no ledger posting, so no signal

    assert re_evaluate_failing() == 1
    assert _outcome(person).passed
    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.VALID


def test_hours_hr_posts_into_the_closed_year_clear_the_review_other_late_credits_do_not(
    org_tree, hr_shache, django_capture_on_commit_callbacks
):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="58", earned_on=DAY)
    with django_capture_on_commit_callbacks(execute=True):
        close_year(year=YEAR)  # closing the year reviews every credential
    outcome = _outcome(person)
    assert not outcome.passed and outcome.frozen and outcome.reasons == ["差 2 学时"]

    # A credit arriving after the close without HR's hand does not change the frozen year.
    with django_capture_on_commit_callbacks(execute=True):
        credit(person, hours="5", earned_on=dt.date(YEAR, 12, 30), kind=SourceKind.SESSION)
    assert re_evaluate(credential=person.credential, year=YEAR).reasons == ["差 2 学时"]

    with django_capture_on_commit_callbacks(execute=True):
        manual_adjustment(
            user=person,
            hours="2",
            category="legal",
            reason="参加自治区集中培训，补录",
            recorded_by=hr_shache,
            earned_on=dt.date(YEAR, 12, 20),
        )
    outcome.refresh_from_db()
    assert outcome.passed and outcome.hours == Decimal("60")
    assert "关账后补录 2 学时" in outcome.clear_reason and outcome.cleared_by is None
    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.VALID


def test_re_running_the_review_changes_nothing(org_tree):
    short = fr.officer(org_tree["shache_dept"])
    enough = fr.officer(org_tree["shufu_dept"])
    credit(short, hours="12", earned_on=DAY)
    credit(enough, hours="70", earned_on=DAY)
    first = run_annual_review(year=YEAR)
    outcomes = list(AnnualReviewOutcome.objects.order_by("pk").values())
    events, audits = CredentialEvent.objects.count(), AuditLog.objects.count()

    second = run_annual_review(year=YEAR)

    assert first.created == 2 and first.to_pending == 1
    assert not second.changed and second.created == second.updated == second.to_pending == 0
    assert list(AnnualReviewOutcome.objects.order_by("pk").values()) == outcomes
    assert CredentialEvent.objects.count() == events and AuditLog.objects.count() == audits


def test_a_manual_decision_on_a_credential_is_not_overridden_by_a_re_run(org_tree, admin_user):
    from accounts.services.credentials import change_status

    person = fr.officer(org_tree["shache_dept"])
    run_annual_review(year=YEAR)
    change_status(
        credential=person.credential, to_status=CredentialStatus.VALID, reason="经集体研究暂予通过", actor=admin_user
    )

    run_annual_review(year=YEAR)

    person.credential.refresh_from_db()
    assert person.credential.status == CredentialStatus.VALID


def test_review_of_a_year_still_running_is_refused(org_tree):
    with pytest.raises(ReviewError, match="尚未结束"):
        run_annual_review(year=timeutil.current_year())
    assert not AnnualReviewOutcome.objects.exists()


def test_unit_review_covers_only_that_subtree_and_suspended_credentials_are_skipped(org_tree):
    from accounts.services.credentials import change_status

    inside = fr.officer(org_tree["shache_dept"])
    outside = fr.officer(org_tree["shufu_dept"])
    suspended = fr.officer(org_tree["shache_dept"])
    change_status(credential=suspended.credential, to_status=CredentialStatus.SUSPENDED, reason="暂扣")

    run_annual_review(year=YEAR, unit=org_tree["shache"])

    assert set(AnnualReviewOutcome.objects.values_list("credential__holder", flat=True)) == {inside.pk}
    assert outside and suspended


def test_the_rule_defaults_to_the_years_single_annual_exam(org_tree):
    person = fr.officer(org_tree["shache_dept"])
    credit(person, hours="60", earned_on=DAY)
    fr.annual_exam(YEAR)  # published, never sat

    run_annual_review(year=YEAR)

    assert _outcome(person).reasons == ["年度考法未通过"]


def test_a_rule_without_hours_checks_only_the_exam(org_tree):
    person = fr.officer(org_tree["shache_dept"])
    exam = fr.annual_exam(YEAR)
    fr.sit(exam, person, correct=True)
    AnnualReviewRule.objects.create(year=YEAR, requires_hours=False, annual_exam=exam)

    run_annual_review(year=YEAR)

    assert _outcome(person).passed
    assert Exam.objects.count() == 1


def test_demo_seed_names_the_years_annual_exam_and_is_idempotent(org_tree):
    from demo.review import seed_review_demo

    exam = fr.annual_exam(YEAR)
    first = seed_review_demo(YEAR)
    second = seed_review_demo(YEAR)
    rule = AnnualReviewRule.objects.get(year=YEAR)
    assert rule.annual_exam == exam and first["rule_created"] and not second["rule_created"]
    assert AnnualReviewRule.objects.count() == 1


def test_administrators_edit_rules_and_read_outcomes_in_the_admin(org_tree, admin_user, client_for):
    person = fr.officer(org_tree["shache_dept"])
    run_annual_review(year=YEAR)
    client = client_for(admin_user)
    assert client.get(reverse("admin:review_annualreviewrule_add")).status_code == 200
    page = client.get(reverse("admin:review_annualreviewoutcome_changelist")).content.decode()
    assert person.credential.number in page and "差 60 学时" in page
