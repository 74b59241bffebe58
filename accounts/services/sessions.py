"""Ending people's sessions: the browsers of an account that is switched off are signed out at once.

An inactive account is refused on its next request anyway (Django's
``ModelBackend`` does not load inactive users), but its session records would
stay until they expire. Django keeps no index from a person to their sessions,
so the live ones in the database (the ``db`` engine this project uses, or
``cached_db``) are read and the person's are deleted through the session store,
which also drops the cached copy. Another engine keeps its records until they
expire; the refusal above still holds.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends import cached_db, db
from django.contrib.sessions.models import Session
from django.utils import timezone

_STORES = {
    "django.contrib.sessions.backends.db": db.SessionStore,
    "django.contrib.sessions.backends.cached_db": cached_db.SessionStore,
}


def end_sessions(*, user_ids: Iterable[int]) -> int:
    """Delete the live sessions of these people; returns how many were ended."""
    wanted = {str(pk) for pk in user_ids}
    store = _STORES.get(settings.SESSION_ENGINE)
    if not wanted or store is None:
        return 0
    ended = 0
    live = Session.objects.filter(expire_date__gt=timezone.now()).only("session_key", "session_data")
    for session in live.iterator(chunk_size=2000):
        if str(session.get_decoded().get(SESSION_KEY)) in wanted:
            store(session_key=session.session_key).delete()
            ended += 1
    return ended
