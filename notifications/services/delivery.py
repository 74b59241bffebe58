"""Sending the e-mail and SMS that messages wait for: one event's at once, the stragglers, the daily digest.

Every run picks up only what is ``PENDING`` and marks a message ``SENT`` once the mail
server (or the SMS gateway) took it, in batches that commit as they go: a run that
fails half-way (the server went away, the worker was killed) leaves the rest pending,
raises, and the next run sends exactly those, nothing twice. On PostgreSQL a batch is
taken with ``FOR UPDATE SKIP LOCKED``, so two runs at once (the event's own task and the
sweep) never send the same message.

* ``deliver_event(dedupe_key=…)``: one event's messages that are not digest kinds
  (the task ``send_event`` enqueues after its transaction commits; reminder tasks call
  it directly to report what they mailed).
* ``deliver_due()``: every pending non-digest message older than a few minutes (an
  enqueued task that was lost, a run that failed); beat runs it every ten minutes.
* ``send_digests()``: one e-mail and one SMS per person with everything of digest kinds
  that waits (beat, daily).

A permanent refusal (a 5xx answer to the address, a gateway's 4xx for the number, no
address any more) marks the message ``FAILED``; a temporary refusal of one address
leaves it pending for the next run. Messages pending longer than
``NOTIFICATIONS_DELIVERY_WINDOW_HOURS`` are given up (``FAILED``): a reminder days late is
worse than none, and the in-site message is there anyway.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation

from notifications.models import DeliveryStatus, Notification
from notifications.services import mail
from notifications.sms import SmsError, get_backend, mask_phone

logger = logging.getLogger(__name__)

#: Messages (or people, for digests) handled per transaction.
BATCH = 100
#: The sweep leaves younger messages to the task their event enqueued.
SWEEP_MIN_AGE = dt.timedelta(minutes=5)


@dataclass
class Delivered:
    email: int = 0
    sms: int = 0

    def __iadd__(self, other: Delivered) -> Delivered:
        self.email += other.email
        self.sms += other.sms
        return self


class _Permanent(Exception):
    """This message cannot be sent to this person (no address, refused for good)."""


class _Later(Exception):
    """Not now (a temporary refusal of one address): the message stays pending."""


class _EmailChannel:
    status = "email_status"
    sent_at = "emailed_at"

    def __init__(self):
        self.connection = None

    def address(self, user) -> str:
        return user.email or ""

    def _open(self):
        if self.connection is None:
            self.connection = get_connection()
            self.connection.open()
        return self.connection

    def _send(self, message) -> None:
        try:
            message.send()
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _text in exc.recipients.values()]
            if codes and all(code >= 500 for code in codes):
                raise _Permanent(str(exc.recipients)) from exc
            raise _Later(str(exc.recipients)) from exc

    def one(self, note: Notification, user) -> None:
        self._send(mail.message_mail(note, user, self._open()))

    def digest(self, notes: list[Notification], user) -> None:
        self._send(mail.digest_mail(notes, user, self._open()))

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


class _SmsChannel:
    status = "sms_status"
    sent_at = "sms_at"

    def __init__(self):
        self.backend = None

    def address(self, user) -> str:
        return user.phone or ""

    def _send(self, phone: str, text: str) -> None:
        if self.backend is None:
            self.backend = get_backend()
        try:
            self.backend.send(phone, text)
        except SmsError as exc:
            if exc.permanent:
                logger.warning("sms to %s refused: %s", mask_phone(phone), exc)
                raise _Permanent(str(exc)) from exc
            raise

    def one(self, note: Notification, user) -> None:
        self._send(user.phone, mail.message_sms(note))

    def digest(self, notes: list[Notification], user) -> None:
        self._send(user.phone, mail.digest_sms(notes))

    def close(self) -> None:
        self.backend = None


def _mark(ids: list[int], channel, status: str) -> None:
    if not ids:
        return
    fields = {channel.status: status}
    if status == DeliveryStatus.SENT:
        fields[channel.sent_at] = timezone.now()
    Notification.objects.filter(pk__in=ids).update(**fields)


def _locked(queryset: QuerySet) -> QuerySet:
    return queryset.select_for_update(skip_locked=True, of=("self",)).select_related("user")


def _send_each(channel, pending: QuerySet) -> int:
    """Send every message of ``pending`` on its own; returns how many went out.

    What is pending is listed once (ids only), then taken a batch of ids at a time, each
    still pending and not locked by another run: a batch costs the same whatever the
    event's size (a batch found by ``pk > last … LIMIT`` re-read every pending row of a
    52,000-person event each time).
    """
    count, error = 0, None
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    try:
        for start in range(0, len(ids), BATCH):
            if error is not None:
                break
            with transaction.atomic():
                batch = list(_locked(pending.filter(pk__in=ids[start : start + BATCH]).order_by("pk")))
                if not batch:
                    continue
                sent, failed = [], []
                for note in batch:
                    user = note.user
                    if not user.is_active or not channel.address(user):
                        failed.append(note.pk)
                        continue
                    try:
                        channel.one(note, user)
                    except _Permanent:
                        failed.append(note.pk)
                        continue
                    except _Later:
                        continue
                    except Exception as exc:  # the server went away: keep what was sent, then fail the run
                        error = exc
                        break
                    sent.append(note.pk)
                _mark(sent, channel, DeliveryStatus.SENT)
                _mark(failed, channel, DeliveryStatus.FAILED)
                count += len(sent)
    finally:
        channel.close()
    if error is not None:
        raise error
    return count


def _send_digests(channel, pending: QuerySet) -> int:
    """One digest per person with all of their ``pending`` messages; returns how many digests went out."""
    count, last_user, error = 0, 0, None
    try:
        while error is None:
            with transaction.atomic():
                users = list(
                    pending.filter(user_id__gt=last_user)
                    .order_by("user_id")
                    .values_list("user_id", flat=True)
                    .distinct()[:BATCH]
                )
                if not users:
                    break
                last_user = users[-1]
                by_user: dict[int, list[Notification]] = {}
                for note in _locked(pending.filter(user_id__in=users).order_by("user_id", "created_at", "pk")):
                    by_user.setdefault(note.user_id, []).append(note)
                sent, failed = [], []
                for notes in by_user.values():
                    user = notes[0].user
                    ids = [note.pk for note in notes]
                    if not user.is_active or not channel.address(user):
                        failed += ids
                        continue
                    try:
                        channel.digest(notes, user)
                    except _Permanent:
                        failed += ids
                        continue
                    except _Later:
                        continue
                    except Exception as exc:
                        error = exc
                        break
                    sent += ids
                    count += 1
                _mark(sent, channel, DeliveryStatus.SENT)
                _mark(failed, channel, DeliveryStatus.FAILED)
    finally:
        channel.close()
    if error is not None:
        raise error
    return count


def _window_start(now: dt.datetime) -> dt.datetime:
    return now - dt.timedelta(hours=settings.NOTIFICATIONS_DELIVERY_WINDOW_HOURS)


def _give_up_stale(now: dt.datetime) -> None:
    start = _window_start(now)
    for channel in (_EmailChannel, _SmsChannel):
        Notification.objects.filter(**{channel.status: DeliveryStatus.PENDING}, created_at__lt=start).update(
            **{channel.status: DeliveryStatus.FAILED}
        )


def _run(sender, filters: dict) -> Delivered:
    """E-mail, then SMS; when one channel fails the other still runs, then the first failure is raised."""
    result, errors = Delivered(), []
    with translation.override(settings.LANGUAGE_CODE):
        for channel, attr in ((_EmailChannel(), "email"), (_SmsChannel(), "sms")):
            pending = Notification.objects.filter(**{channel.status: DeliveryStatus.PENDING}, **filters)
            try:
                setattr(result, attr, sender(channel, pending))
            except Exception as exc:
                errors.append(exc)
    if errors:
        raise errors[0]
    return result


def deliver_event(*, dedupe_key: str) -> Delivered:
    """Send the e-mails and SMS one event's messages wait for (digest kinds wait for the digest)."""
    if not dedupe_key:
        return Delivered()
    return _run(_send_each, {"dedupe_key": dedupe_key, "digest": False})


def deliver_due(*, now: dt.datetime | None = None) -> Delivered:
    """Send every pending non-digest message older than ``SWEEP_MIN_AGE``; give up those past the window."""
    now = now or timezone.now()
    _give_up_stale(now)
    return _run(_send_each, {"digest": False, "created_at__lt": now - SWEEP_MIN_AGE})


def send_digests(*, now: dt.datetime | None = None) -> Delivered:
    """One e-mail and one SMS per person with everything of digest kinds that waits; returns how many went out."""
    now = now or timezone.now()
    _give_up_stale(now)
    return _run(_send_digests, {"digest": True, "created_at__lte": now})
