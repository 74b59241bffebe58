"""The org-scope rule: who may see whom. Every view, export, report and admin
listing that shows people or their records goes through these functions.

* Administrators see everyone.
* An HR officer sees the people of their ``scope_units`` and of every unit
  below them (a materialised-path prefix match on ``OrgUnit.path``).
* Everyone else sees only themselves.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet

from .models import OrgUnit, Role

if TYPE_CHECKING:
    from .models import User


def scope_paths(viewer: User) -> list[str] | None:
    """Materialised paths of the subtrees the viewer may see; ``None`` means all."""
    if not viewer.is_authenticated or not viewer.is_active:
        return []
    if viewer.has_role(Role.ADMIN):
        return None
    cached = getattr(viewer, "_scope_paths_cache", None)
    if cached is None:
        cached = []
        if viewer.has_role(Role.HR):
            paths = sorted(viewer.scope_units.values_list("path", flat=True))
            # Drop paths already covered by an ancestor in the list.
            for path in paths:
                if not any(path.startswith(p) for p in cached):
                    cached.append(path)
        viewer._scope_paths_cache = cached
    return cached


def _path_q(paths: list[str], unit_path_field: str) -> Q:
    return reduce(or_, (Q(**{f"{unit_path_field}__startswith": p}) for p in paths))


def filter_people(viewer: User, queryset: QuerySet, user_field: str | None = None) -> QuerySet:
    """Restrict any queryset of people (or of rows about people) to the viewer's scope.

    ``user_field`` is the lookup from the queryset's model to the user
    (``None`` when the queryset is of users, ``"user"`` for ledger entries, …).
    """
    prefix = f"{user_field}__" if user_field else ""
    paths = scope_paths(viewer)
    if paths is None:
        return queryset
    self_q = Q(**{f"{prefix}pk": viewer.pk}) if viewer.is_authenticated else Q(pk__in=[])
    if not paths:
        return queryset.filter(self_q)
    return queryset.filter(_path_q(paths, f"{prefix}org_unit__path") | self_q)


def filter_units(viewer: User, queryset: QuerySet | None = None) -> QuerySet:
    """Org units the viewer may report on: their scope subtrees (all for admins)."""
    queryset = OrgUnit.objects.all() if queryset is None else queryset
    paths = scope_paths(viewer)
    if paths is None:
        return queryset
    if not paths:
        return queryset.none()
    return queryset.filter(_path_q(paths, "path"))


def top_units(viewer: User) -> QuerySet:
    """The roots of what the viewer may see (for drill-down entry points)."""
    paths = scope_paths(viewer)
    if paths is None:
        return OrgUnit.get_root_nodes()
    return OrgUnit.objects.filter(path__in=paths)


def can_view_person(viewer: User, person: User) -> bool:
    if viewer.pk == person.pk:
        return True
    paths = scope_paths(viewer)
    if paths is None:
        return True
    unit_path = person.org_unit.path if person.org_unit_id else None
    return bool(unit_path) and any(unit_path.startswith(p) for p in paths)


def can_view_unit(viewer: User, unit: OrgUnit) -> bool:
    paths = scope_paths(viewer)
    if paths is None:
        return True
    return any(unit.path.startswith(p) for p in paths)


def ensure_can_view_person(viewer: User, person: User) -> None:
    if not can_view_person(viewer, person):
        raise PermissionDenied


def ensure_can_view_unit(viewer: User, unit: OrgUnit) -> None:
    if not can_view_unit(viewer, unit):
        raise PermissionDenied


def is_reporting_user(viewer: User) -> bool:
    """HR officers and administrators see reports about other people."""
    return viewer.is_authenticated and (viewer.has_role(Role.HR) or viewer.has_role(Role.ADMIN))


# --- Choosing an audience ---------------------------------------------------------------------
# The pickers of the audience forms (courses, exams, sessions, study plans) search units and
# people. Who may be chosen follows the roles that edit those audiences: trainers and
# administrators build courses, exams and sessions for the whole prefecture (those forms always
# took any 工号); reviewers edit course pages in the review workflow, whose audience is units
# only; an HR officer builds study plans inside their scope (``plans.services.plans`` checks it
# again on save). Nobody else chooses anyone.

AUDIENCE_EDITOR_ROLES = (Role.ADMIN, Role.TRAINER, Role.HR, Role.REVIEWER)


def audience_paths(viewer: User, *, people: bool) -> list[str] | None:
    """Subtrees whose units (``people=False``) or people (``people=True``) ``viewer`` may put in an
    audience; ``None`` means all, ``[]`` none."""
    if not viewer.is_authenticated or not viewer.is_active:
        return []
    if viewer.has_role(Role.ADMIN) or viewer.has_role(Role.TRAINER):
        return None
    if not people and viewer.has_role(Role.REVIEWER):
        return None
    if viewer.has_role(Role.HR):
        return scope_paths(viewer)
    return []


def can_choose_audience(viewer: User, *, people: bool) -> bool:
    """Whether ``viewer`` holds a role that chooses units (or people) for an audience at all
    (an HR officer without scope units may, and finds nobody)."""
    if not viewer.is_authenticated or not viewer.is_active:
        return False
    roles = (Role.ADMIN, Role.TRAINER, Role.HR) if people else AUDIENCE_EDITOR_ROLES
    return any(viewer.has_role(r) for r in roles)


def filter_audience_units(viewer: User, queryset: QuerySet | None = None) -> QuerySet:
    """The units ``viewer`` may put in an audience."""
    queryset = OrgUnit.objects.all() if queryset is None else queryset
    paths = audience_paths(viewer, people=False)
    if paths is None:
        return queryset
    return queryset.filter(_path_q(paths, "path")) if paths else queryset.none()


def filter_audience_people(viewer: User, queryset: QuerySet) -> QuerySet:
    """The people ``viewer`` may name in an audience (a queryset of users)."""
    paths = audience_paths(viewer, people=True)
    if paths is None:
        return queryset
    return queryset.filter(_path_q(paths, "org_unit__path")) if paths else queryset.none()
