"""The heartbeat's cached answer to "may this learner study this lesson?".

An open lesson beats every 15 s; asking the audience rule
(``cms.selectors.courses.studyable_lesson``) costs milliseconds of ORM query building
(~4 ms of CPU on the benchmark machine, ~20 ms where the issue measured it), more than
the rest of the beat. So a *yes* is kept in Django's cache (Redis in production), per
learner and lesson, and trusted while nothing it was derived from has changed:

- **The learner** (active flag, unit, staff category): the grant holds the values it was
  granted for and the heartbeat compares them with ``request.user``, which is read from
  the database on every request — a deactivated learner, a move to another unit or a new
  staff category misses at the very next beat, with no signal to forget.
- **The lesson**: whether it and its course are live, and which course it belongs to, come
  from the heartbeat's own snapshot row (``learning.services.progress``); a grant names its
  course, so a lesson moved to another course no longer matches.
- **The course** (its page, audience categories and audience units): a generation number
  per course, bumped when the course page is saved (publishing, unpublishing, editing the
  live row), moved or deleted, or its audience units change.
- **Everything else the rule reads** — the catalogue page above the courses, the unit tree
  (a moved unit changes who is "under" it): one global generation, bumped by any change to
  a catalogue page or an org unit. Such changes are rare; a bump costs each active learner
  one full check at their next beat (what the old once-a-minute re-check cost every minute).

Study plans (学法清单) do not enter the rule: a plan lists courses, it does not open them
(``plans.selectors.plans`` shows a listed course the learner may not study as
unavailable), so plan changes invalidate nothing. Should the rule ever read a new input,
a change to that input must bump a generation here.

Only a *yes* is cached, never a *no*. A generation is bumped at once and again when the
transaction commits, so a beat that re-checked in between (reading the rows as they were)
cannot leave a grant that outlives the change. A grant is trusted for at most
``GRANT_SECONDS``: the backstop for a change made behind the signals' back (raw SQL, or a
bump lost while Redis was unreachable). A missing generation (evicted, Redis restarted) is
started again from the clock in nanoseconds, so a value never comes back and an old grant
never matches again. When the cache cannot be read every lookup is a miss: the full check
runs at every beat and nothing is granted from the cache (``core.cache``).

The cache must be shared by every process, as Redis is: with a per-process cache
(locmem, the default without ``CACHE_URL``) a bump reaches only the process that made the
change, and the others trust their grants for up to ``GRANT_SECONDS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction

from core.cache import UNAVAILABLE

logger = logging.getLogger(__name__)

#: The longest a cached grant is trusted without asking the rule again.
GRANT_SECONDS = 600
PREFIX = "cms:study"
GLOBAL_KEY = f"{PREFIX}:gen"


def _course_key(course_id: int) -> str:
    return f"{PREFIX}:gen:{course_id}"


def _grant_key(user_id: int, lesson_id: int) -> str:
    return f"{PREFIX}:{user_id}:{lesson_id}"


def _learner(user) -> tuple:
    """What the audience rule reads from the learner themself."""
    return (bool(user.is_active), user.org_unit_id, str(user.staff_category))


@dataclass(frozen=True)
class Lookup:
    """A cache lookup: whether it found a valid grant, and what to store if the full check says yes."""

    granted: bool
    key: str
    stamp: tuple | None  # generations read *before* the check, course and learner; None: do not store


def look_up(user, lesson_id: int, *, course_id: int, now: dt.datetime) -> Lookup:
    """One cache round trip: the grant, the global generation and the course's generation."""
    key, course_key = _grant_key(user.pk, lesson_id), _course_key(course_id)
    try:
        values = cache.get_many([key, GLOBAL_KEY, course_key])
    except UNAVAILABLE as exc:  # a cache without core.cache's forgiveness: a miss, never a grant
        logger.warning("study access cache unavailable: %s", exc)
        return Lookup(False, key, None)
    generations = (values.get(GLOBAL_KEY), values.get(course_key))
    if None in generations:
        for gen_key, value in zip((GLOBAL_KEY, course_key), generations, strict=True):
            if value is None:
                _start_generation(gen_key)
        return Lookup(False, key, None)
    stamp = (*generations, course_id, _learner(user))
    grant = values.get(key)
    granted = isinstance(grant, tuple) and grant[:-1] == stamp and now.timestamp() < grant[-1]
    return Lookup(granted, key, stamp)


def remember(lookup: Lookup, *, now: dt.datetime) -> None:
    """Keep the full check's *yes* (with the generations read before it) for ``GRANT_SECONDS``."""
    if lookup.stamp is None:
        return
    try:
        cache.set(lookup.key, (*lookup.stamp, now.timestamp() + GRANT_SECONDS), GRANT_SECONDS)
    except UNAVAILABLE as exc:
        logger.warning("study access cache unavailable: %s", exc)


def _start_generation(key: str) -> None:
    try:
        cache.add(key, time.time_ns(), None)
    except UNAVAILABLE as exc:
        logger.warning("study access cache unavailable: %s", exc)


def _bump(key: str) -> None:
    try:
        try:
            cache.incr(key)
        except ValueError:  # missing: a new start from the clock is later than any value it had
            cache.set(key, time.time_ns(), None)
    except UNAVAILABLE as exc:
        logger.error("study access cache unavailable, grants expire within %s s: %s", GRANT_SECONDS, exc)


def _bump_now_and_on_commit(key: str) -> None:
    _bump(key)
    transaction.on_commit(lambda: _bump(key))


def forget_course(course_id: int) -> None:
    """Grants for the lessons of course ``course_id`` are checked again at their next beat."""
    _bump_now_and_on_commit(_course_key(course_id))


def forget_all() -> None:
    """Every grant is checked again at its next beat."""
    _bump_now_and_on_commit(GLOBAL_KEY)
