"""Navigation items of the classroom-session pages (registered in ``LearningConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem
from learning.selectors.sessions import can_create_sessions


def items(user) -> list[NavItem]:
    result = [NavItem(_("近期培训"), reverse("learning:sessions_mine"), 30, "main")]
    if can_create_sessions(user):
        result.append(NavItem(_("面授培训"), reverse("learning:sessions_manage"), 60, "tools"))
    return result
