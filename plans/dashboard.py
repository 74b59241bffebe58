"""Home-page card for study plans (registered in ``PlansConfig.ready``)."""

from __future__ import annotations

from core import timeutil
from plans.selectors.plans import my_plans


def cards(user) -> list[dict]:
    plans = my_plans(user, timeutil.current_year())
    if not plans:
        return []
    return [{"template": "plans/_card.html", "order": 20, "plans": plans, "today": timeutil.today()}]
