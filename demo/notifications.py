"""The demo's messages: every scheduled reminder run once, as beat would have run it today (called from ``seed_demo``).

Real services, real events: whoever the reminders find gets the message (the demo learner,
behind pace, gets the month's pace reminder; the exam that opened yesterday is announced to
its audience; HR officers get their digests…), each once (dedupe keys), so a re-run adds
nothing. The learner's own credits were announced when ``seed_demo`` posted them.
"""

from __future__ import annotations

import datetime as dt

from notifications import reminders


def seed_demo_messages(*, now: dt.datetime) -> dict[str, int]:
    """Run every registered reminder for ``now``; returns how many messages each left."""
    return {reminder.label: reminder.run(now=now).get("notified", 0) for reminder in reminders.all_reminders()}
