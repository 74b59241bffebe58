"""Navigation entry of the staff directory (registered in ``DirectoryConfig.ready``, see ``core.navigation``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        return [NavItem(_("人员名册"), reverse("directory:staff_list"), 80, "tools")]
    return []
