"""Reads for certificates: who is due an annual certificate, who may see which certificate.

Whether a person met the year's requirement is read from the frozen
``YearStatus`` once the year is closed, and from the live balances before that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.drilldown import in_subtree_q
from accounts.models import OrgUnit, User
from accounts.scope import filter_people
from certificates.models import Certificate
from learning.models import HourCategory, PersonYearBalance, YearClose, YearStatus
from learning.selectors.compliance import annotate_people, year_rules
from learning.selectors.ledger import year_balance
from learning.selectors.requirements import is_met, requirement_for


@dataclass(frozen=True)
class AnnualStatus:
    compliant: bool
    hours: Decimal
    required_hours: Decimal
    by_category: dict[str, Decimal] = field(default_factory=dict)
    frozen: bool = False


def year_is_closed(year: int) -> bool:
    return YearClose.objects.filter(year=year).exists()


def annual_status(user: User, year: int) -> AnnualStatus:
    frozen = YearStatus.objects.filter(user_id=user.pk, year=year).first()
    if frozen is not None:
        return AnnualStatus(
            compliant=frozen.compliant,
            hours=frozen.hours,
            required_hours=frozen.required_hours,
            by_category={code: Decimal(str(value)) for code, value in (frozen.by_category or {}).items()},
            frozen=True,
        )
    requirement = requirement_for(user, year)
    balance = year_balance(user, year)
    if year_is_closed(year):
        # Closed without a frozen row for this person: they were not counted that year.
        return AnnualStatus(False, balance.total, requirement.required_hours, dict(balance.by_category), True)
    return AnnualStatus(
        compliant=is_met(requirement, balance.total, balance.by_category),
        hours=balance.total,
        required_hours=requirement.required_hours,
        by_category=dict(balance.by_category),
    )


def unit_people(unit: OrgUnit) -> QuerySet[User]:
    return User.objects.filter(in_subtree_q(unit), is_active=True)


def due_annual_user_ids(year: int, unit: OrgUnit) -> list[int]:
    """People of the unit's subtree who met the year's requirement, in a few queries (not per person).

    Before the close, the requirement rule in SQL (``met_q``) over the live balances, for
    people with a balance row that year whose staff category the year's rules name.
    """
    if year_is_closed(year):
        return list(
            YearStatus.objects.filter(in_subtree_q(unit, "user__org_unit"), year=year, compliant=True)
            .order_by("user_id")
            .values_list("user_id", flat=True)
        )
    rules = year_rules(year)
    people = unit_people(unit).filter(
        Exists(PersonYearBalance.objects.filter(user_id=OuterRef("pk"), year=year)),
        staff_category__in=list(rules.requirements),
    )
    return list(annotate_people(people, rules).filter(rules.met_q()).order_by("pk").values_list("pk", flat=True))


def category_labels() -> dict[str, str]:
    return dict(HourCategory.objects.values_list("code", "name"))


def certificates_of(user: User) -> QuerySet[Certificate]:
    return Certificate.objects.filter(holder_id=user.pk).order_by("-year", "-issued_at", "-id")


def certificate_for_download(viewer: User, pk: int) -> Certificate:
    """The viewer's own certificate, or one of a person in an HR viewer's scope; 404 otherwise.

    404 rather than 403: a stranger learns nothing about which ids exist.
    """
    certificate = filter_people(viewer, Certificate.objects.select_related("holder"), "holder").filter(pk=pk).first()
    if certificate is None:
        raise Http404
    return certificate


def certificate_by_code(code: str) -> Certificate | None:
    code = normalise_code(code)
    if not code:
        return None
    return Certificate.objects.filter(verification_code=code).first()


# Base32 has no 0, 1 or 8: someone typing a printed code means O, I and B.
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def normalise_code(code: str) -> str:
    """Codes are printed in groups (``ABCD-EFGH-…``) and may be typed in lower case or with look-alikes."""
    return "".join(ch for ch in (code or "").upper() if ch.isascii() and ch.isalnum()).translate(_LOOKALIKES)[:32]


def exam_reference(model, pks) -> str:
    """Why an exam certificates were issued for cannot be deleted (``exams.selectors.deletion``, registered in
    ``ready``)."""
    return _("已据此考试发放 %(n)s 份考试合格证书") % {"n": len(pks)}
