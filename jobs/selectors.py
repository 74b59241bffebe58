"""Who may see a job: the person who started it, and whoever's scope covers the job's scope (``accounts.scope``)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import User
from accounts.scope import can_view_unit, filter_units, scope_paths

from .models import Job


def can_view_job(viewer: User, job: Job) -> bool:
    if not viewer.is_authenticated:
        return False
    if job.requested_by_id == viewer.pk:
        return True
    if job.scope_unit_id is None:  # "everything the requester may see": only administrators see as much
        return scope_paths(viewer) is None
    return can_view_unit(viewer, job.scope_unit)


def jobs_visible_to(viewer: User, *, kind: str | None = None) -> QuerySet[Job]:
    paths = scope_paths(viewer)
    visible = Q(requested_by_id=viewer.pk)
    if paths is None:
        visible = Q()
    elif paths:
        visible |= Q(scope_unit__in=filter_units(viewer))
    jobs = Job.objects.filter(visible)
    if kind is not None:
        jobs = jobs.filter(kind=kind)
    return jobs.select_related("scope_unit", "requested_by").order_by("-created_at", "-id")


__all__ = ["can_view_job", "jobs_visible_to"]
