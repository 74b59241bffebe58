"""Scheduled reminders, registered by the apps that know who is due (the exam closing, the session tomorrow…).

Each app registers ``Reminder``s in its ``AppConfig.ready()``; ``notifications`` runs them
without importing the apps: beat calls ``notifications.tasks.run_reminder(name)`` on each
reminder's ``schedule`` (entries created after every migrate, ``notifications.schedules``),
and ``manage.py send_reminders [--kind …]`` runs them once. A reminder's ``run(now=…)``
sends its events with dedupe keys, so running it twice (or beat and the command on the
same day) tells nobody twice, and returns counts for the log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reminder:
    #: ``app.what`` (``exams.closing``); the beat entry and ``send_reminders --reminder`` use it.
    name: str
    #: Chinese, for the beat entry's name and the command's output.
    label: str
    #: ``run(now=aware datetime) -> dict`` of counts.
    run: Callable[..., dict]
    #: The event kinds it sends (``send_reminders --kind``).
    kinds: tuple[str, ...]
    #: Crontab fields (``minute``, ``hour``, ``day_of_month``, ``day_of_week``) in Asia/Shanghai;
    #: ``None`` when the app schedules its own task (the monthly reminders).
    schedule: dict | None = None
    description: str = ""
    order: int = field(default=50, compare=False)


_REMINDERS: dict[str, Reminder] = {}


def register(*reminders: Reminder) -> None:
    for reminder in reminders:
        existing = _REMINDERS.get(reminder.name)
        if existing is not None and existing != reminder:
            raise ValueError(f"reminder {reminder.name!r} is registered twice")
        _REMINDERS[reminder.name] = reminder


def get(name: str) -> Reminder:
    try:
        return _REMINDERS[name]
    except KeyError:
        raise LookupError(f"unknown reminder {name!r}") from None


def all_reminders() -> list[Reminder]:
    return sorted(_REMINDERS.values(), key=lambda r: (r.order, r.name))


def run(name: str, *, now: dt.datetime | None = None) -> dict:
    from django.utils import timezone

    return get(name).run(now=now or timezone.now())
