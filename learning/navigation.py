"""Links of the learning app for the site navigation (only pages the user may open).

The ledger pages are listed here; the other parts of the app (plans, certificates,
review) keep their items in their own modules. ``LearningConfig.ready``
registers them all (see ``core.navigation``).
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from core.navigation import NavItem
from learning.selectors.notifications import unread_count


def items(user) -> list[NavItem]:
    result = [NavItem(_("我的学时"), reverse("learning:my_hours"), 20, "main")]
    unread = unread_count(user)
    label = _("消息（%(n)s）") % {"n": unread} if unread else _("消息")
    result.append(NavItem(label, reverse("learning:notifications"), 85, "main"))
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("学时达标"), reverse("learning:compliance"), 60, "tools"))
    return result
