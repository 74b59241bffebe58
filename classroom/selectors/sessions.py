"""Reads about classroom sessions: who is in a session's audience, who may manage it,
and the lists the organiser and learner pages show.

Who is in a session's audience (QR check-in, manual marking, the attendance import and
the learner's "近期培训" list) is the audience rule of ``accounts.audience`` over the
session's ``audience_units``, ``audience_categories`` and ``audience_people``
(``AUDIENCE``): named people always; active people in the units' subtrees and of the
categories when either is set. An empty audience would be everyone; sessions refuse to be
saved with one (``classroom.services.sessions``), so every session says who it is for.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from accounts import drilldown
from accounts.audience import Audience, AudienceFields
from accounts.models import OrgUnit, Role, User
from classroom.models import Attendance, TrainingSession

# A QR check-in is accepted from this long before the start until the end.
CHECKIN_OPENS_BEFORE = dt.timedelta(minutes=30)
AUDIENCE = AudienceFields(
    TrainingSession, units="audience_units", categories="audience_categories", people="audience_people"
)


def has_audience_rule(*, units: Iterable[OrgUnit], categories: Iterable[str], people: Iterable[User]) -> bool:
    """Whether the chosen audience says who the session is for: an empty one would be everyone."""
    return not Audience.chosen(units=units, categories=categories, people=people).is_empty


def session_audience_q(session: TrainingSession) -> Q:
    """A ``Q`` over ``User`` selecting exactly the session's audience."""
    return AUDIENCE.of(session).q()


def audience_queryset(session: TrainingSession) -> QuerySet:
    return User.objects.filter(session_audience_q(session))


def audience_member_ids(session: TrainingSession, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` are in the audience, in one query (for lists of people)."""
    return set(audience_queryset(session).filter(pk__in=list(user_ids)).values_list("pk", flat=True))


def is_in_audience(session: TrainingSession, user: User) -> bool:
    """The same rule as ``session_audience_q`` for one person, without loading the audience."""
    return AUDIENCE.admits(session, user)


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
    return list(qs.order_by(drilldown.tree_order(), "employee_no")[:limit])


@dataclass(frozen=True)
class UpcomingSession:
    session: TrainingSession
    attended: bool


def upcoming_sessions_for(user: User, *, now: dt.datetime | None = None, days: int = 60) -> list[UpcomingSession]:
    """Sessions of the coming weeks whose audience includes the user (and those of the last day).

    Two queries however many sessions there are: the sessions with what the audience rule
    reads of their units and named people about the user (``AudienceFields.with_flags``),
    and the user's attendances.
    """
    now = now or timezone.now()
    sessions = AUDIENCE.with_flags(
        TrainingSession.objects.filter(
            ends_at__gte=now - dt.timedelta(days=1),
            starts_at__lte=now + dt.timedelta(days=days),
        )
        .exclude(status=TrainingSession.Status.CANCELLED)
        .select_related("hour_category")
        .order_by("starts_at", "id"),
        user,
    )
    sessions = [s for s in sessions if AUDIENCE.admits(s, user)]
    if not sessions:
        return []
    attended = set(
        Attendance.objects.filter(user=user, session_id__in=[s.pk for s in sessions]).values_list(
            "session_id", flat=True
        )
    )
    return [UpcomingSession(s, s.pk in attended) for s in sessions]


def recent_attendances(user: User, *, limit: int = 20) -> list[Attendance]:
    """The person's own latest attendances (never anyone else's)."""
    return list(
        Attendance.objects.filter(user=user)
        .select_related("session__hour_category", "ledger_entry")
        .order_by("-marked_at", "-id")[:limit]
    )
