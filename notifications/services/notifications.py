"""In-site messages with a title and body written by the caller (``notify``, ``notify_many``), and reading them.

New code sends events (``notifications.services.events.send_event``), whose kind writes
the message and decides the channels. These two remain for callers that write their own
text: a registered ``kind`` still gets the person's e-mail and SMS choices; any other
kind is an in-site message only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from notifications.models import Notification
from notifications.services.events import Item, store


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
    items = (Item(user, str(msg.title), str(msg.body), str(msg.url)) for user, msg in recipients)
    return store(kind=kind, items=items, dedupe_key=dedupe_key).user_ids


def mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark one (or all) of the user's unread messages as read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_id is not None:
        qs = qs.filter(pk=notification_id)
    return qs.update(read_at=timezone.now())
