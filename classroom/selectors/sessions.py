"""Reads about classroom sessions: who is in a session's audience, who may manage it,
and the lists the organiser and learner pages show.

The audience rule (one home for it, used by QR check-in, manual marking, the
attendance import and the learner's "近期培训" list):

* people named in ``audience_people`` are always in the audience;
* when the session has a unit rule and/or a staff-category rule, an active person
  inside one of the ``audience_units`` subtrees (any unit if none is listed) whose
  staff category is one of ``audience_categories`` (any if none is listed) is in it;
* a session with neither a unit nor a category rule reaches only its named people.

Subtrees are materialised-path prefixes of ``OrgUnit.path`` (as in
``accounts.scope``), so a unit rule is one indexed ``LIKE 'xxxx%'`` per unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import reduce
from operator import or_

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts.models import OrgUnit, Role, User
from classroom.models import Attendance, TrainingSession

# A QR check-in is accepted from this long before the start until the end.
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)


def _prefetched(session: TrainingSession, name: str):
    return getattr(session, "_prefetched_objects_cache", {}).get(name)


def _unit_paths(session: TrainingSession) -> list[str]:
    units = _prefetched(session, "audience_units")
    if units is None:
        return list(session.audience_units.values_list("path", flat=True))
    return [u.path for u in units]


def has_audience_rule(*, units: list | QuerySet, categories: list[str], people: list | QuerySet) -> bool:
    """A session must say who it is for: at least one unit, category or named person."""
    return bool(list(units)) or bool(categories) or bool(list(people))


def _group_rule_q(unit_paths: list[str], categories: list[str]) -> Q | None:
    if not unit_paths and not categories:
        return None
    rule = Q(is_active=True)
    if unit_paths:
        rule &= reduce(or_, (Q(org_unit__path__startswith=p) for p in unit_paths))
    if categories:
        rule &= Q(staff_category__in=categories)
    return rule


def session_audience_q(session: TrainingSession) -> Q:
    """A ``Q`` over ``User`` selecting exactly the session's audience."""
    named = Q(pk__in=session.audience_people.through.objects.filter(trainingsession_id=session.pk).values("user_id"))
    group = _group_rule_q(_unit_paths(session), list(session.audience_categories or []))
    return named if group is None else named | group


def audience_queryset(session: TrainingSession) -> QuerySet:
    return User.objects.filter(session_audience_q(session))


def audience_member_ids(session: TrainingSession, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are in the audience, in one query (for lists of people)."""
    return set(audience_queryset(session).filter(pk__in=list(user_ids)).values_list("pk", flat=True))


def _matches_group_rule(session: TrainingSession, user: User, unit_path: str | None) -> bool:
    unit_paths = _unit_paths(session)
    categories = list(session.audience_categories or [])
    if (not unit_paths and not categories) or not user.is_active:
        return False
    if unit_paths and not (unit_path and any(unit_path.startswith(p) for p in unit_paths)):
        return False
    return not categories or user.staff_category in categories


def is_in_audience(session: TrainingSession, user: User) -> bool:
    """The same rule as ``session_audience_q`` for one person, without loading the audience."""
    if not user.is_authenticated:
        return False
    unit_path = user.org_unit.path if user.org_unit_id else None
    if _matches_group_rule(session, user, unit_path):
        return True
    people = _prefetched(session, "audience_people")
    if people is not None:
        return any(p.pk == user.pk for p in people)
    return session.audience_people.filter(pk=user.pk).exists()


def checkin_window(session: TrainingSession) -> tuple[dt.datetime, dt.datetime]:
    return session.starts_at - CHECKIN_OPENS_BEFORE, session.ends_at


# --- who may manage -------------------------------------------------------------------


def can_create_sessions(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.TRAINER) or user.has_role(Role.ADMIN))


def can_manage_session(user: User, session: TrainingSession) -> bool:
    """The organiser, any trainer, and administrators run a session's attendance."""
    if not user.is_authenticated or not user.is_active:
        return False
    return can_create_sessions(user) or session.organiser_id == user.pk


def ensure_can_manage_session(user: User, session: TrainingSession) -> None:
    if not can_manage_session(user, session):
        raise PermissionDenied


def can_use_session_tools(user: User) -> bool:
    """Whether to offer the organiser pages at all (trainers, admins, organisers of any session)."""
    if not user.is_authenticated:
        return False
    return can_create_sessions(user) or TrainingSession.objects.filter(organiser=user).exists()


# --- lists ----------------------------------------------------------------------------


def managed_sessions(user: User, *, search: str = "", kind: str = "", status: str = "", period: str = "") -> QuerySet:
    """Sessions the user manages, with attendance counts, for the organiser's list."""
    qs = TrainingSession.objects.order_by("-starts_at", "-id")
    if not can_create_sessions(user):
        qs = qs.filter(organiser=user)
    if search:
        qs = qs.filter(Q(title__icontains=search) | Q(venue__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    if status:
        qs = qs.filter(status=status)
    now = timezone.now()
    if period == "upcoming":
        qs = qs.filter(ends_at__gte=now).order_by("starts_at", "id")
    elif period == "past":
        qs = qs.filter(ends_at__lt=now)
    return qs.select_related("organiser", "hour_category").annotate(n_attended=Count("attendances"))


def session_attendances(session: TrainingSession) -> QuerySet:
    return (
        Attendance.objects.filter(session=session)
        .select_related("user__org_unit", "marked_by", "ledger_entry")
        .order_by("marked_at", "id")
    )


def audience_candidates(session: TrainingSession, *, search: str = "", only_absent: bool = True, limit: int = 100):
    """Audience members for the organiser's tick list, searchable by 工号, name or unit."""
    qs = audience_queryset(session).select_related("org_unit")
    if only_absent:
        qs = qs.exclude(attendances__session=session)
    if search:
        qs = qs.filter(
            Q(employee_no__icontains=search) | Q(full_name__icontains=search) | Q(org_unit__name__icontains=search)
        )
    return list(qs.order_by("org_unit__path", "employee_no")[:limit])


@dataclass(frozen=True)
class UpcomingSession:
    session: TrainingSession
    attended: bool


def upcoming_sessions_for(user: User, *, now: dt.datetime | None = None, days: int = 60) -> list[UpcomingSession]:
    """Sessions of the coming weeks whose audience includes the user (and those of the last day).

    Only a bounded window of sessions is read, so the audience rule is applied in
    Python with the units prefetched: four queries however many sessions there are.
    """
    now = now or timezone.now()
    sessions = list(
        TrainingSession.objects.filter(
            ends_at__gte=now - dt.timedelta(days=1),
            starts_at__lte=now + dt.timedelta(days=days),
        )
        .exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("hour_category")
        .prefetch_related("audience_units")
        .order_by("starts_at", "id")
    )
    if not sessions:
        return []
    ids = [s.pk for s in sessions]
    named = set(
        TrainingSession.audience_people.through.objects.filter(user_id=user.pk, trainingsession_id__in=ids).values_list(
            "trainingsession_id", flat=True
        )
    )
    attended = set(Attendance.objects.filter(user=user, session_id__in=ids).values_list("session_id", flat=True))
    unit_path = _user_unit_path(user)
    return [
        UpcomingSession(s, s.pk in attended)
        for s in sessions
        if s.pk in named or _matches_group_rule(s, user, unit_path)
    ]


def _user_unit_path(user: User) -> str | None:
    if not user.org_unit_id:
        return None
    unit = (
        user.org_unit
        if "org_unit" in user._state.fields_cache
        else OrgUnit.objects.only("path").get(pk=user.org_unit_id)
    )
    return unit.path


def recent_attendances(user: User, *, limit: int = 20) -> list[Attendance]:
    """The person's own latest attendances (never anyone else's)."""
    return list(
        Attendance.objects.filter(user=user)
        .select_related("session__hour_category", "ledger_entry")
        .order_by("-marked_at", "-id")[:limit]
    )
