"""The "消息" link of the site navigation, with the number of unread messages as its badge."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.navigation import NavItem
from notifications.selectors.notifications import unread_count


def items(user) -> list[NavItem]:
    return [NavItem(_("消息"), reverse("notifications:list"), 85, "main", badge=unread_count(user))]
