"""Navigation entries of the accounts app (registered in ``AccountsConfig.ready``, see ``core.navigation``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem

from .help import can_read_help
from .models import Role


def items(user) -> list[NavItem]:
    result: list[NavItem] = []
    if user.has_role(Role.TRAINER) or user.has_role(Role.REVIEWER) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("内容管理"), reverse("wagtailadmin_home"), 90, "tools"))
    if user.has_role(Role.ADMIN):
        result.append(NavItem(_("系统管理"), reverse("admin:index"), 95, "tools"))
    if can_read_help(user):
        result.append(NavItem(_("使用说明"), reverse("help:index"), 99, "tools"))
    return result
