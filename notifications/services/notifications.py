"""In-site messages: the one way to put something under a person's "消息"."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from notifications.models import Notification


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""


def notify(*, user, title: str, body: str = "", url: str = "", kind: str = "", dedupe_key: str = "") -> bool:
    """Leave a message for ``user``; with ``dedupe_key`` a second call is a no-op. True when created."""
    return bool(notify_many(recipients=[(user, Message(title, body, url))], kind=kind, dedupe_key=dedupe_key))


def notify_many(*, recipients: Iterable[tuple[object, Message]], kind: str = "", dedupe_key: str = "") -> list[int]:
    """Bulk version of ``notify``; returns the ids of the users who got a new message."""
    pairs = list(recipients)
    if not pairs:
        return []
    with transaction.atomic():
        already = set()
        if dedupe_key:
            already = set(
                Notification.objects.filter(dedupe_key=dedupe_key, user_id__in=[u.pk for u, _m in pairs]).values_list(
                    "user_id", flat=True
                )
            )
        rows = [
            Notification(
                user_id=user.pk, title=msg.title[:200], body=msg.body, url=msg.url, kind=kind, dedupe_key=dedupe_key
            )
            for user, msg in pairs
            if user.pk not in already
        ]
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key), batch_size=1000)
    return [row.user_id for row in rows]


def mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's unread messages as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
