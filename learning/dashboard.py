"""Cards of the learning app on the home page (the ledger's card plus the other parts' cards)."""

from __future__ import annotations

from importlib import import_module

from learning import timeutil
from learning.selectors.ledger import hours_summary

PART_MODULES = (
    "learning.dashboard_sessions",
    "learning.dashboard_plans",
    "learning.dashboard_review",
    "learning.certificates.dashboard",
)


def _ledger_cards(user) -> list[dict]:
    year = timeutil.current_year()
    return [
        {
            "template": "learning/cards/year_hours.html",
            "order": 10,
            "year": year,
            "summary": hours_summary(user, year, with_sources=False),
        }
    ]


def cards(user) -> list[dict]:
    result = _ledger_cards(user)
    for name in PART_MODULES:
        result.extend(import_module(name).cards(user))
    return sorted(result, key=lambda card: card.get("order", 50))
