"""Links of the learning app for the site navigation (only pages the user may open).

The ledger pages are listed here; ``LearningConfig.ready`` registers them
(see ``core.navigation``). The apps above learning register their own.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    result = [NavItem(_("我的学时"), reverse("learning:my_hours"), 20, "main")]
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("学时达标"), reverse("learning:compliance"), 60, "tools"))
    return result
