"""Site navigation. Each of our apps may provide ``<app>/navigation.py`` with a
function ``items(user) -> list[NavItem]``; the context processor collects them
so that every role sees its own tools and nobody sees links they cannot open.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .help import can_read_help
from .models import Role

NAV_APPS = ("accounts", "cms", "learning", "exams", "jobs")


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    order: int = 50
    section: str = "main"  # "main" for learners' pages, "tools" for role tools


def items(user) -> list[NavItem]:
    result: list[NavItem] = []
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("人员名册"), reverse("accounts:staff_list"), 80, "tools"))
    if user.has_role(Role.TRAINER) or user.has_role(Role.REVIEWER) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("内容管理"), reverse("wagtailadmin_home"), 90, "tools"))
    if user.has_role(Role.ADMIN):
        result.append(NavItem(_("系统管理"), reverse("admin:index"), 95, "tools"))
    if can_read_help(user):
        result.append(NavItem(_("使用说明"), reverse("help:index"), 99, "tools"))
    return result


def collect(user) -> list[NavItem]:
    collected: list[NavItem] = []
    for app in NAV_APPS:
        try:
            module = import_module(f"{app}.navigation")
        except ModuleNotFoundError:
            continue
        collected.extend(module.items(user))
    return sorted(collected, key=lambda item: item.order)
