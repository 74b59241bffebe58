"""Reminder e-mails count as sent only once the mail server took them; a hanging server fails the task in EMAIL_TIMEOUT."""

from __future__ import annotations

import datetime as dt
import smtplib
import socket
import threading
import time

import pytest
from django.core import mail

from learning.tasks import send_monthly_reminders as reminder_task
from notifications.models import Notification
from review.tasks import send_review_reminders as review_task
from tests.factories import UserFactory
from tests.learning.factories import credit

YEAR = 2025
TIMEOUT = 2


@pytest.fixture
def behind(org_tree):
    """Three officials with e-mail, far behind the calendar's pace on 1 July."""
    people = [
        UserFactory(full_name=f"落后{i}", email=f"behind{i}@example.com", org_unit=org_tree["shache_dept"])
        for i in range(3)
    ]
    for person in people:
        credit(person, hours="2", earned_on=dt.date(YEAR, 3, 1))
    return people


@pytest.fixture
def hanging_smtp():
    """A mail server that accepts the connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted, stop = [], threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    for conn in accepted:
        conn.close()
    server.close()


def _smtp(settings, port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = TIMEOUT


def test_a_hanging_mail_server_fails_the_task_in_the_timeout_and_a_rerun_sends_the_mails(
    behind, hanging_smtp, settings
):
    _smtp(settings, hanging_smtp)
    start = time.monotonic()
    with pytest.raises((TimeoutError, smtplib.SMTPServerDisconnected), match="timed out"):
        reminder_task.delay(today=f"{YEAR}-07-01")  # smtplib waited EMAIL_TIMEOUT for the greeting
    took = time.monotonic() - start
    assert TIMEOUT <= took < TIMEOUT + 3
    pace = Notification.objects.filter(kind="pace", user__in=behind)
    assert pace.count() == 3  # the in-site messages stand...
    assert not pace.filter(emailed_at__isnull=False).exists()  # ...and no e-mail counts as sent

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    result = reminder_task.delay(today=f"{YEAR}-07-20").get()
    assert result["behind_notified"] == 0  # nobody gets a second in-site message this month
    assert sorted(m.to[0] for m in mail.outbox if "学时进度提醒" in m.subject) == [p.email for p in behind]
    assert not pace.filter(emailed_at__isnull=True).exists()

    mail.outbox.clear()
    assert reminder_task.delay(today=f"{YEAR}-07-25").get()["behind_emailed"] == 0
    assert mail.outbox == []


def test_mails_sent_before_the_server_failed_are_not_sent_again(behind, settings, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    real_send = EmailBackend.send_messages
    calls = []

    def fail_on_second(self, messages):
        calls.append(messages)
        if len(calls) == 2:
            raise ConnectionResetError("mail server went away")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fail_on_second)
    with pytest.raises(ConnectionResetError):
        reminder_task.delay(today=f"{YEAR}-07-01")
    first = [m.to[0] for m in mail.outbox]
    assert len(first) == 1
    assert Notification.objects.filter(kind="pace", emailed_at__isnull=False).count() == 1

    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    reminder_task.delay(today=f"{YEAR}-07-02").get()
    sent = sorted(m.to[0] for m in mail.outbox if "学时进度提醒" in m.subject)
    assert sent == [p.email for p in behind]  # each exactly once


def test_review_reminders_record_their_mails_the_same_way(settings, hanging_smtp, org_tree):
    """The review reminders share the sending (notifications.services.delivery.deliver_event)."""
    _smtp(settings, hanging_smtp)
    # Without credential holders there is nothing to send: the task finishes without touching SMTP.
    assert review_task.delay(today=f"{YEAR}-07-01").get()["risk_emailed"] == 0
