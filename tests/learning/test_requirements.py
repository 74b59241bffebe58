import datetime as dt
from decimal import Decimal

from learning.models import AnnualRequirement, CategoryMinimum, CreditRuleSet
from learning.selectors.requirements import credit_rules, elapsed_fraction, pace, requirement_for


def test_defaults_apply_when_a_year_is_not_configured(learner):
    req = requirement_for(learner, 2031)
    assert req.required_hours == Decimal("60") and req.minima == {} and not req.configured
    rules = credit_rules(2031)
    assert (rules.minutes_per_hour, rules.exam_pass_hours, rules.lecturer_hours) == (45, Decimal("2"), Decimal("4"))


def test_configured_year_and_category_minimum(learner):
    req = AnnualRequirement.objects.create(year=2031, staff_category="enforcement", required_hours=Decimal("72"))
    CategoryMinimum.objects.create(requirement=req, category_id="legal", min_hours=Decimal("24"))
    CreditRuleSet.objects.create(
        year=2031, minutes_per_hour=40, exam_pass_hours=Decimal("3"), lecturer_hours=Decimal("6")
    )
    got = requirement_for(learner, 2031)
    assert got.required_hours == Decimal("72") and got.minima == {"legal": Decimal("24")}
    assert credit_rules(2031).minutes_per_hour == 40
    assert requirement_for(learner, 2032).required_hours == Decimal("60")


def test_pace_is_required_times_elapsed_share_of_the_year():
    assert pace(Decimal("60"), 2025, dt.date(2024, 12, 31)) == Decimal("0")
    assert pace(Decimal("60"), 2025, dt.date(2026, 1, 1)) == Decimal("60")
    assert elapsed_fraction(2025, dt.date(2025, 12, 31)) == Decimal(1)
    assert pace(Decimal("60"), 2025, dt.date(2025, 7, 2)) == Decimal("30.08")  # day 183 of 365
