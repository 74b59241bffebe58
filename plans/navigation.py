"""Navigation entries for study plans (registered in ``PlansConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem
from plans.services.plans import can_manage_plans


def items(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    result = [NavItem(_("我的学法清单"), reverse("plans:my_plans"), 25, "main")]
    if can_manage_plans(user):
        result.append(NavItem(_("学法清单管理"), reverse("plans:plan_list"), 65, "tools"))
    return result
