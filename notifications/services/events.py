"""Sending an event: the one way every app leaves messages for people (``send_event``).

An event is a kind (``notifications.kinds``, registered by the app that sends it), the
people it is for and the context its message is written from. Each person gets one
in-site message per event (``dedupe_key``: a second send of the same event, a re-run
task, a double click, is a no-op for whoever already has it). Whether that message also
goes out by e-mail and SMS is decided here, from the person's choices
(``NotificationPreference``, else the kind's defaults) and whether they have an address
and a mobile number; the sending itself happens after the transaction commits, in
Celery (``notifications.tasks.deliver_event``), or in the daily digest for digest kinds.

Cost: three statements per thousand recipients (who already has the event, their
choices for the kind, one INSERT), whatever the number of people.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import translation

from notifications import kinds
from notifications.models import DeliveryStatus, Notification
from notifications.selectors.preferences import channel_choices

#: Recipients are handled this many at a time (one round of three statements each).
CHUNK = 1000
#: The user fields the send path reads: pass querysets with ``.only(*RECIPIENT_FIELDS)`` (or whole users).
RECIPIENT_FIELDS = ("id", "email", "phone", "is_active", "full_name")
TITLE_MAX = 200
URL_MAX = 500
KEY_MAX = 100


@dataclass
class Sent:
    """What an event left: who got a new message, and how many of those wait for an e-mail and an SMS."""

    kind: str
    dedupe_key: str
    user_ids: list[int] = field(default_factory=list)
    email: int = 0
    sms: int = 0

    @property
    def created(self) -> int:
        return len(self.user_ids)


@dataclass(frozen=True)
class Item:
    user: object
    title: str
    body: str
    url: str


def in_site_language(func):
    """Run ``func`` in the site's language: a message's context written by a sender (a reason, a label) must be
    Chinese like the message, whichever language the person whose request sends it chose."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper


def send_event(
    kind: str,
    recipients: Iterable,
    *,
    context: Mapping | None = None,
    url: str = "",
    dedupe_key: str = "",
    deliver: bool = True,
) -> Sent:
    """Tell ``recipients`` about an event of ``kind``; returns what was left (``Sent``).

    ``recipients``: users, or ``(user, context)`` pairs whose context is added to the
    shared ``context`` for that person (their own hours, their own reasons). A context
    may carry ``url`` for its person. People who left (inactive) get nothing.

    ``dedupe_key`` names the event (``exam:12:open``); without one every call is a new
    event. ``deliver=False`` leaves the sending to the caller (a reminder task that
    reports what it mailed calls ``delivery.deliver_event`` itself).

    Messages are written in the site's language (Chinese) whoever triggered them.
    """
    event_kind = kinds.get(kind)
    shared = dict(context or {})

    def items() -> Iterator[Item]:
        render = _Renderer(event_kind)
        for entry in recipients:
            user, own = entry if isinstance(entry, tuple) else (entry, None)
            ctx = {**shared, **own} if own else shared
            title, body = render(ctx)
            yield Item(user, title, body, ctx.get("url") or url)

    with translation.override(settings.LANGUAGE_CODE):
        return store(kind=kind, items=items(), dedupe_key=dedupe_key, deliver=deliver)


class _Renderer:
    """A kind's message for each context of one event, each distinct context rendered once (most people of
    an event share theirs; the others often share their figures)."""

    def __init__(self, event_kind: kinds.EventKind):
        self.render = event_kind.renderer()
        self.done: dict[tuple, tuple[str, str]] = {}

    def __call__(self, ctx: Mapping) -> tuple[str, str]:
        try:
            # The type too: 1 and True are equal keys but not the same text.
            key = tuple((name, type(value), value) for name, value in sorted(ctx.items()))
            message = self.done.get(key)
        except TypeError:  # an unhashable value (a list): render it every time
            return self.render(ctx)
        if message is None:
            message = self.done[key] = self.render(ctx)
        return message


def store(*, kind: str, items: Iterable[Item], dedupe_key: str = "", deliver: bool = True) -> Sent:
    """Write the messages of one event (``send_event`` and the older ``notify_many`` both end here).

    A kind nobody registered (older callers' free-form kinds) gets in-site messages only.
    """
    event_kind = kinds.find(kind)
    key = dedupe_key or (f"{kind}:{uuid.uuid4().hex}" if event_kind is not None else "")
    if len(key) > KEY_MAX:
        raise ValueError(f"dedupe key longer than {KEY_MAX} characters: {key!r}")
    result = Sent(kind=kind, dedupe_key=key)
    chunk: list[Item] = []
    for item in items:
        if not getattr(item.user, "is_active", True):
            continue
        chunk.append(item)
        if len(chunk) == CHUNK:
            _store_chunk(event_kind, kind, chunk, key, result)
            chunk = []
    if chunk:
        _store_chunk(event_kind, kind, chunk, key, result)
    if deliver and (result.email or result.sms) and event_kind is not None and not event_kind.digest:
        transaction.on_commit(functools.partial(_enqueue_delivery, key), robust=True)
    return result


def _store_chunk(event_kind, code: str, chunk: list[Item], key: str, result: Sent) -> None:
    ids = list(dict.fromkeys(item.user.pk for item in chunk))
    already = set()
    if key:
        already = set(Notification.objects.filter(dedupe_key=key, user_id__in=ids).values_list("user_id", flat=True))
    todo = []
    for item in chunk:
        if item.user.pk not in already:
            already.add(item.user.pk)  # the same person twice in one call: one message
            todo.append(item)
    if not todo:
        return
    choices = channel_choices(event_kind, [item.user.pk for item in todo]) if event_kind is not None else {}
    rows = []
    for item in todo:
        email = sms = False
        if event_kind is not None:
            email, sms = choices.get(item.user.pk, (event_kind.email, event_kind.sms))
            email = email and bool(item.user.email)
            sms = sms and bool(item.user.phone)
        rows.append(
            Notification(
                user_id=item.user.pk,
                title=item.title[:TITLE_MAX],
                body=item.body,
                url=item.url[:URL_MAX],
                kind=code,
                dedupe_key=key,
                digest=bool(event_kind and event_kind.digest),
                email_status=DeliveryStatus.PENDING if email else DeliveryStatus.NONE,
                sms_status=DeliveryStatus.PENDING if sms else DeliveryStatus.NONE,
            )
        )
        result.email += email
        result.sms += sms
    Notification.objects.bulk_create(rows, ignore_conflicts=bool(key), batch_size=CHUNK)
    result.user_ids.extend(row.user_id for row in rows)


def _enqueue_delivery(key: str) -> None:
    from notifications.tasks import deliver_event

    deliver_event.delay(key)
