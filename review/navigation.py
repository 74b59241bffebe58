"""Navigation items of the review pages (registered in ``ReviewConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    result = [NavItem(_("达标路径"), reverse("learning:my_path"), 22, "main")]
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("执法证年审"), reverse("review:review_risk"), 62, "tools"))
    return result
