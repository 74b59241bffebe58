"""The kinds of event a person can be told about, registered by the apps that send them.

``notifications`` sits right above ``accounts`` and imports no domain app: each app
registers its kinds in its ``AppConfig.ready()`` (``learning/notifications.py``,
``exams/notifications.py``, …) and sends events with
``notifications.services.events.send_event(kind_code, recipients, …)``.

A kind says who it is for (words for the settings page, and the roles whose
holders see it there), how its message reads (``title``/``body`` templates filled
from the event's context, or ``render``), which channels it uses when the person
chose nothing (the in-site message always; e-mail and SMS by default or not), and
whether its e-mail and SMS wait for the daily digest (``digest``) or go out at once.

Defaults, decided once here for every kind and written on the settings page:

* 站内消息: always, for every kind (it cannot be switched off).
* 邮件: on for what a person must act on or keep (deadlines, results, certificates,
  hours changed by someone else, review decisions), off for routine confirmations
  (hours credited by a course, attendance recorded) — and only when the person has
  an e-mail address.
* 短信: off, except for reminders with a date a person can miss (an exam closing,
  a session tomorrow) and HR's reminder to people at risk — and only when the
  person has a mobile number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    SITE = "site", _("站内消息")
    EMAIL = "email", _("邮件")
    SMS = "sms", _("短信")


#: Groups of the settings page, in this order.
class Group(models.TextChoices):
    HOURS = "hours", _("学时")
    EXAMS = "exams", _("考试")
    SESSIONS = "sessions", _("面授培训")
    PLANS = "plans", _("学法清单")
    CERTIFICATES = "certificates", _("证书")
    REVIEW = "review", _("执法证年审")
    CONTENT = "content", _("课程审核")
    HR = "hr", _("人事合规")


GROUP_ORDER = {value: n for n, value in enumerate(Group.values)}


@dataclass(frozen=True)
class EventKind:
    #: Stored in ``Notification.kind`` (at most 32 characters); never renamed once messages carry it.
    code: str
    #: The kind's Chinese name, as the settings page and the admin show it.
    name: str
    #: Who receives it and when, in words ("考生本人，评分完成时").
    audience: str
    group: str
    #: ``%(name)s`` templates filled from the event's context (ignored when ``render`` is given).
    title: str = ""
    body: str = ""
    #: ``render(context) -> (title, body)`` for messages a template cannot say (optional parts).
    render: Callable[[Mapping], tuple[str, str]] | None = None
    email: bool = False
    sms: bool = False
    #: E-mail and SMS of this kind wait for the daily digest; the in-site message is always at once.
    digest: bool = False
    #: Role codes (``accounts.models.Role``) whose holders see this kind on their settings page; empty: everyone.
    roles: frozenset[str] = field(default_factory=frozenset)
    order: int = 50

    def __post_init__(self):
        if not self.code or len(self.code) > 32:
            raise ValueError(f"notification kind code {self.code!r} must be 1–32 characters")
        if self.render is None and not self.title:
            raise ValueError(f"notification kind {self.code!r} needs a title template or a render function")

    def message(self, context: Mapping) -> tuple[str, str]:
        """The title and body for ``context`` (a programming error raises: a missing key is a bug in the sender)."""
        if self.render is not None:
            title, body = self.render(context)
        else:
            title = str(self.title) % context
            body = str(self.body) % context if self.body else ""
        return str(title), str(body)

    def renderer(self) -> Callable[[Mapping], tuple[str, str]]:
        """``message`` for the many contexts of one event, in the language active now (the templates are
        translated once, not once per person)."""
        if self.render is not None:
            return self.message
        title, body = str(self.title), str(self.body) if self.body else ""

        def render(context: Mapping) -> tuple[str, str]:
            return str(title % context), str(body % context) if body else ""

        return render

    def shown_to(self, user) -> bool:
        """Whether the person's settings page lists this kind (everyone's kinds, and those of their roles)."""
        return not self.roles or any(user.has_role(role) for role in self.roles)


_KINDS: dict[str, EventKind] = {}


def register(*kinds: EventKind) -> None:
    """Add kinds (from an app's ``ready()``); registering the same kind again is a no-op, another under its code is not."""
    for kind in kinds:
        existing = _KINDS.get(kind.code)
        if existing is not None and existing != kind:
            raise ValueError(f"notification kind {kind.code!r} is registered twice")
        _KINDS[kind.code] = kind


def get(code: str) -> EventKind:
    try:
        return _KINDS[code]
    except KeyError:
        raise LookupError(f"unknown notification kind {code!r}") from None


def find(code: str) -> EventKind | None:
    return _KINDS.get(code)


def all_kinds() -> list[EventKind]:
    """Every kind, in the settings page's order (group, then ``order``, then code)."""
    return sorted(_KINDS.values(), key=lambda k: (GROUP_ORDER.get(k.group, len(GROUP_ORDER)), k.order, k.code))


def kinds_for(user) -> list[EventKind]:
    return [kind for kind in all_kinds() if kind.shown_to(user)]
