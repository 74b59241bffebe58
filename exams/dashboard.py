"""The home page card: exams the learner can take now or soon."""

from __future__ import annotations

from exams.selectors.exams import exams_for_learner


def cards(user) -> list[dict]:
    rows = [
        r for r in exams_for_learner(user) if r.state in ("open", "upcoming") and (r.can_start or r.state == "upcoming")
    ]
    return [{"template": "exams/dashboard_card.html", "rows": rows[:5]}]
