"""What the e-mail and the text message of a message (or of a day's digest) say.

Written in the site's language (Chinese): people have no language of their own
outside a browser session, and the sending runs in Celery.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notifications.models import Notification
from notifications.sms import MAX_TEXT

#: How much of a message's body a digest quotes.
DIGEST_BODY_CHARS = 300
#: How many titles a digest's text message names.
DIGEST_SMS_TITLES = 3


def _link(path: str) -> str:
    return f"{settings.SITE_URL}{path}" if path.startswith("/") else path


def _footer() -> str:
    return _("在“消息”中查看全部：%(list)s\n调整提醒方式：%(settings)s") % {
        "list": _link(reverse("notifications:list")),
        "settings": _link(reverse("notifications:settings")),
    }


def message_mail(note: Notification, user, connection) -> EmailMessage:
    parts = [f"{user.full_name}：", "", note.body or note.title]
    if note.url:
        parts += ["", _link(note.url)]
    parts += ["", "——", _footer()]
    return EmailMessage(subject=note.title, body="\n".join(parts), to=[user.email], connection=connection)


def digest_mail(notes: Sequence[Notification], user, connection) -> EmailMessage:
    n = len(notes)
    subject = ngettext("法治学堂：您有 %(n)s 条新消息", "法治学堂：您有 %(n)s 条新消息", n) % {"n": n}
    parts = [f"{user.full_name}：", "", _("以下是您最近收到的消息：")]
    for number, note in enumerate(notes, start=1):
        parts += ["", f"{number}. {note.title}"]
        if note.body:
            body = note.body if len(note.body) <= DIGEST_BODY_CHARS else note.body[:DIGEST_BODY_CHARS] + "…"
            parts += ["   " + line for line in body.splitlines()]
        if note.url:
            parts.append("   " + _link(note.url))
    parts += ["", "——", _footer()]
    return EmailMessage(subject=subject, body="\n".join(parts), to=[user.email], connection=connection)


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def message_sms(note: Notification) -> str:
    """The body (every kind's body says the whole thing: what, when, why), else the title; kept short."""
    tail = _("详情请登录法治学堂查看“消息”。")
    text = note.body or note.title
    return _cut(" ".join(text.split()), MAX_TEXT - len(tail)) + tail


def digest_sms(notes: Sequence[Notification]) -> str:
    n = len(notes)
    titles = "；".join(note.title for note in notes[:DIGEST_SMS_TITLES])
    if n > DIGEST_SMS_TITLES:
        titles += _("等")
    text = ngettext(
        "您有 %(n)s 条新消息：%(titles)s。请登录法治学堂查看“消息”。",
        "您有 %(n)s 条新消息：%(titles)s。请登录法治学堂查看“消息”。",
        n,
    ) % {"n": n, "titles": titles}
    return _cut(text, MAX_TEXT)
