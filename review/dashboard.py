"""Home-page card of "我的达标路径" (registered in ``ReviewConfig.ready``).

Shown only while something is missing, and kept cheap: the balance, the requirement and
the review outcome of the credential — the full path is built on its own page.
"""

from __future__ import annotations

from decimal import Decimal

from accounts.models import Credential, CredentialStatus
from core import timeutil
from learning.selectors.ledger import year_balance
from learning.selectors.requirements import pace, requirement_for, shortfalls


def cards(user) -> list[dict]:
    year = timeutil.current_year()
    balance = year_balance(user, year)
    requirement = requirement_for(user, year)
    gaps = shortfalls(requirement, balance.total, balance.by_category)
    missing = next((gap.missing for gap in gaps if gap.category is None), Decimal("0"))
    short = [gap.category for gap in gaps if gap.category is not None]
    pending = list(
        Credential.objects.filter(holder_id=user.pk, status=CredentialStatus.PENDING_REVIEW).values_list(
            "number", flat=True
        )
    )
    if not missing and not short and not pending:
        return []
    return [
        {
            "template": "review/cards/my_path.html",
            "order": 12,
            "year": year,
            "missing": missing,
            "categories_short": len(short),
            "behind": balance.total < pace(requirement.required_hours, year),
            "pending": pending,
        }
    ]
