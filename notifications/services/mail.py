"""E-mail for in-site messages: each message is mailed once, and counts as mailed only once the server took it.

A run that leaves messages under a ``dedupe_key`` (``notify_many``) mails them with
``send_pending_mail``; a re-run (acks_late redelivery, a manual re-run after the mail
server failed) mails what was not sent yet and nothing twice.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone

from accounts.models import User
from notifications.models import Notification
from notifications.services.notifications import Message

logger = logging.getLogger(__name__)

#: E-mails are marked sent in batches of this many (and whatever was sent when a run fails).
MARK_EVERY = 100


def send_pending_mail(*, recipients: list[tuple[User, Message]], dedupe_key: str) -> int:
    """E-mail the messages of this run (``dedupe_key``) not e-mailed yet; returns how many went out.

    A message counts as e-mailed only once the mail server took it, so when the server
    is down or hangs (``EMAIL_TIMEOUT``) the task fails and its re-run mails what is
    left, and nothing twice. An address the server refuses stays unsent and is tried
    again by the next run; the others still go out.
    """
    by_user = {user.pk: (user, msg) for user, msg in recipients if user.email}
    if not by_user:
        return 0
    pending = Notification.objects.filter(dedupe_key=dedupe_key, emailed_at__isnull=True)
    todo = [(pk, *by_user[user_id]) for pk, user_id in pending.values_list("pk", "user_id") if user_id in by_user]
    if not todo:
        return 0
    sent: list[int] = []
    connection = get_connection()
    try:
        connection.open()
        for pk, user, msg in todo:
            mail = EmailMessage(
                subject=msg.title,
                body=f"{user.full_name}：\n\n{msg.body}\n\n{settings.SITE_URL}{msg.url}",
                to=[user.email],
                connection=connection,
            )
            try:
                mail.send()
            except smtplib.SMTPRecipientsRefused as exc:
                logger.warning("reminder e-mail to user %s refused: %s", user.pk, exc.recipients)
                continue
            sent.append(pk)
            if len(sent) % MARK_EVERY == 0:
                _mark_emailed(sent[-MARK_EVERY:])
    finally:
        _mark_emailed(sent[len(sent) - len(sent) % MARK_EVERY :])
        connection.close()
    return len(sent)


def _mark_emailed(notification_ids: list[int]) -> None:
    if notification_ids:
        Notification.objects.filter(pk__in=notification_ids).update(emailed_at=timezone.now())
