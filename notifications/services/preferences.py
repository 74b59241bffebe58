"""Writing a person's choice of channels per kind of message."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from notifications import kinds
from notifications.models import NotificationPreference


class PreferenceError(Exception):
    """A choice that cannot be saved; the message says why."""


@transaction.atomic
def save_preferences(*, user, choices: Mapping[str, tuple[bool, bool]]) -> int:
    """Store ``{kind_code: (email, sms)}`` for ``user``: all of them or none.

    Only kinds the person's settings page lists. A choice for a channel the person has
    no address for is kept and applies once they have one (the send path checks the
    address each time; the page offers only the channels they can use).
    """
    shown = {kind.code for kind in kinds.kinds_for(user)}
    unknown = sorted(code for code in choices if code not in shown)
    if unknown:
        raise PreferenceError(_("没有这种消息类型：%(codes)s。请刷新页面后重试。") % {"codes": "、".join(unknown)})
    now = timezone.now()
    rows = [
        NotificationPreference(user=user, kind=code, email=bool(email), sms=bool(sms), updated_at=now)
        for code, (email, sms) in choices.items()
    ]
    NotificationPreference.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["user", "kind"], update_fields=["email", "sms", "updated_at"]
    )
    return len(rows)


def reset_preferences(*, user) -> int:
    """Back to every kind's defaults."""
    deleted, _details = NotificationPreference.objects.filter(user=user).delete()
    return deleted
