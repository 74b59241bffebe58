"""The "消息" link of the site navigation, with the number of unread messages."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from core.navigation import NavItem
from notifications.selectors.notifications import unread_count


def items(user) -> list[NavItem]:
    unread = unread_count(user)
    label = _("消息（%(n)s）") % {"n": unread} if unread else _("消息")
    return [NavItem(label, reverse("notifications:list"), 85, "main")]
