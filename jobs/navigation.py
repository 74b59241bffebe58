from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    """HR and administrators start the long runs (bulk certificates, roster exports) and follow them here."""
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        return [NavItem(_("后台任务"), reverse("jobs:list"), 85, "tools")]
    return []
