"""The sessions "我的达标路径" offers, registered with ``learning.selectors.path.register_source``
in ``ClassroomConfig.ready`` (learning lists them without importing this app)."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from accounts.models import User
from classroom.selectors.sessions import upcoming_sessions_for
from core import timeutil
from learning.selectors.path import PathItem


def path_items(user: User, *, year: int, names: dict[str, str], today: dt.date, now: dt.datetime) -> list[PathItem]:
    """Sessions in the user's audience that have not ended, are not attended and start before the year ends."""
    days = (dt.date(year, 12, 31) - today).days + 1
    items = []
    for upcoming in upcoming_sessions_for(user, now=now, days=max(days, 0)):
        session = upcoming.session
        if upcoming.attended or session.ends_at <= now or timeutil.local_date(session.starts_at).year != year:
            continue
        items.append(
            PathItem(
                kind="session",
                title=session.title,
                url=reverse("classroom:sessions_mine"),
                hours=session.hours,
                category=session.hour_category_id,
                category_name=session.hour_category.name,
                starts_at=session.starts_at,
                ends_at=session.ends_at,
                detail=session.get_kind_display() + (f" · {session.venue}" if session.venue else ""),
            )
        )
    return items
