"""Navigation entries for certificates (registered in ``CertificatesConfig.ready``)."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    result = [NavItem(_("我的证书"), reverse("certificates:mine"), 40, "main")]
    if user.has_role(Role.HR) or user.has_role(Role.ADMIN):
        result.append(NavItem(_("批量颁发证书"), reverse("certificates:bulk"), 75, "tools"))
    return result
