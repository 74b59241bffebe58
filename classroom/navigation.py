"""Navigation items of the classroom-session pages (registered in ``ClassroomConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from classroom.selectors.sessions import can_create_sessions
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    result = [NavItem(_("近期培训"), reverse("classroom:sessions_mine"), 30, "main")]
    if can_create_sessions(user):
        result.append(NavItem(_("面授培训"), reverse("classroom:sessions_manage"), 60, "tools"))
    return result
