"""Home-page card of the classroom sessions (registered in ``ClassroomConfig.ready``)."""

from __future__ import annotations

from classroom.selectors.sessions import upcoming_sessions_for


def cards(user) -> list[dict]:
    """The next three sessions in the user's audience; no card when there are none."""
    upcoming = upcoming_sessions_for(user)[:3]
    if not upcoming:
        return []
    return [{"template": "classroom/cards/upcoming_sessions.html", "order": 30, "items": upcoming}]
