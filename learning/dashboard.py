"""The ledger's card on the home page; ``LearningConfig.ready`` registers it (the apps above learning their own)."""

from __future__ import annotations

from core import timeutil
from learning.selectors.ledger import hours_summary


def cards(user) -> list[dict]:
    year = timeutil.current_year()
    return [
        {
            "template": "learning/cards/year_hours.html",
            "order": 10,
            "year": year,
            "summary": hours_summary(user, year, with_sources=False),
        }
    ]
