"""Reads of people's choices of channels (``NotificationPreference``) and what they mean for a kind."""

from __future__ import annotations

from dataclasses import dataclass

from notifications import kinds
from notifications.kinds import EventKind
from notifications.models import NotificationPreference


def channel_choices(kind: EventKind, user_ids: list[int]) -> dict[int, tuple[bool, bool]]:
    """``{user_id: (email, sms)}`` for those of ``user_ids`` who chose for ``kind`` (one query)."""
    if not user_ids:
        return {}
    rows = NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind.code).values_list(
        "user_id", "email", "sms"
    )
    return {user_id: (email, sms) for user_id, email, sms in rows}


@dataclass(frozen=True)
class KindSetting:
    """One row of the settings page: a kind, what the person chose (or the default), and what can be chosen."""

    kind: EventKind
    email: bool
    sms: bool
    chosen: bool  # False: the kind's defaults apply

    @property
    def field_email(self) -> str:
        return f"email_{self.kind.code}"

    @property
    def field_sms(self) -> str:
        return f"sms_{self.kind.code}"


def settings_for(user) -> list[KindSetting]:
    """The kinds the person's settings page lists, each with their choice or its default (one query)."""
    shown = kinds.kinds_for(user)
    chosen = {
        kind: (email, sms)
        for kind, email, sms in NotificationPreference.objects.filter(user_id=user.pk).values_list(
            "kind", "email", "sms"
        )
    }
    rows = []
    for kind in shown:
        email, sms = chosen.get(kind.code, (kind.email, kind.sms))
        rows.append(KindSetting(kind=kind, email=email, sms=sms, chosen=kind.code in chosen))
    return rows
