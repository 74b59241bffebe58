"""Text messages (短信) through a pluggable backend, the way Django sends e-mail through ``EMAIL_BACKEND``.

``NOTIFICATIONS_SMS_BACKEND`` names the class (a dotted path); its settings come from
the environment through ``config/settings/base.py``:

* ``notifications.sms.ConsoleSmsBackend`` (the default): writes each message to the
  ``fazhi.sms`` log (the number masked), so development and the embedded mode send nothing.
* ``notifications.sms.LocmemSmsBackend``: keeps the messages in ``notifications.sms.outbox``
  (the test settings use it).
* ``notifications.sms.HttpSmsBackend``: POSTs each message as JSON to an SMS gateway
  (``NOTIFICATIONS_SMS_URL``, with ``NOTIFICATIONS_SMS_TOKEN`` as a bearer token and
  ``NOTIFICATIONS_SMS_SIGN`` as the signature the carrier requires), the shape of the
  government SMS platforms (政务短信平台) a deployment connects to.

A backend sends one message with ``send(phone, text)`` and raises ``SmsError`` when the
gateway did not take it: ``permanent=True`` for a refusal that a retry cannot fix (a
wrong number), otherwise the message stays pending and the next run tries again.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("fazhi.sms")

#: What a single message may hold (a carrier splits longer ones into several billed parts).
MAX_TEXT = 300


class SmsError(Exception):
    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    text: str


def mask_phone(phone: str) -> str:
    """``138****5678``: enough to tell numbers apart in a log, not enough to call one."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"


class BaseSmsBackend:
    """The interface: ``send(phone, text)``, raising ``SmsError`` when the message was not taken."""

    def send(self, phone: str, text: str) -> None:
        raise NotImplementedError


class ConsoleSmsBackend(BaseSmsBackend):
    def send(self, phone: str, text: str) -> None:
        logger.info("sms to=%s text=%s", mask_phone(phone), text)


#: What ``LocmemSmsBackend`` sent, oldest first (tests clear it).
outbox: list[SmsMessage] = []


class LocmemSmsBackend(BaseSmsBackend):
    def send(self, phone: str, text: str) -> None:
        outbox.append(SmsMessage(phone, text))


class HttpSmsBackend(BaseSmsBackend):
    """One JSON POST per message: ``{"phone": …, "text": …, "sign": …}``; any 2xx answer means taken.

    A 4xx answer is a refusal a retry cannot fix (``permanent``); a 5xx, a timeout or a
    refused connection leaves the message for the next run.
    """

    def __init__(self, *, url: str | None = None, token: str | None = None, sign: str | None = None, timeout=None):
        self.url = url if url is not None else settings.NOTIFICATIONS_SMS_URL
        self.token = token if token is not None else settings.NOTIFICATIONS_SMS_TOKEN
        self.sign = sign if sign is not None else settings.NOTIFICATIONS_SMS_SIGN
        self.timeout = timeout if timeout is not None else settings.NOTIFICATIONS_SMS_TIMEOUT
        if not self.url.startswith(("https://", "http://")):
            raise SmsError("NOTIFICATIONS_SMS_URL must be an http(s) address of the SMS gateway", permanent=True)

    def send(self, phone: str, text: str) -> None:
        payload = json.dumps({"phone": phone, "text": text, "sign": self.sign}, ensure_ascii=False).encode()
        request = urllib.request.Request(self.url, data=payload, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read(4096)
        except urllib.error.HTTPError as exc:
            raise SmsError(f"SMS gateway answered {exc.code}", permanent=400 <= exc.code < 500) from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise SmsError(f"SMS gateway unreachable: {exc}") from exc


def get_backend() -> BaseSmsBackend:
    return import_string(settings.NOTIFICATIONS_SMS_BACKEND)()
