"""One page per job: status, progress, what happened, and the buttons that make sense now."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts import audit

from . import registry
from .models import Job
from .selectors import can_view_job, jobs_visible_to
from .services import JobError, cancel_job, mark_stale, retry_job, stale_after, stalled_message
from .storage import private_download

LIST_SIZE = 50


def _visible_job(request, pk: int) -> Job:
    """404 for a job that does not exist or that the viewer may not see (its existence is not disclosed)."""
    job = get_object_or_404(Job.objects.select_related("scope_unit", "requested_by"), pk=pk)
    if not can_view_job(request.user, job):
        raise Http404
    if job.is_active:
        resumed, failed = mark_stale(job_ids=[job.pk])
        if resumed or failed:
            job.refresh_from_db()
    return job


def happened(job: Job) -> str:
    """The sentence that says what went wrong and what the system did about it."""
    if job.incident == Job.Incident.STALLED:
        return stalled_message(max(1, int(stale_after().total_seconds() // 60)))
    if job.incident == Job.Incident.RESUMED:
        return _("工作进程中断，已自动恢复。")
    return ""


def _state(job: Job) -> dict:
    kind = registry.get(job.kind)
    return {
        "status": job.status,
        "status_label": job.get_status_display(),
        "total": job.total,
        "done": min(job.done, job.total),
        "percent": job.percent,
        "unit_label": kind.unit_label,
        "happened": happened(job),
        "error": "" if job.incident == Job.Incident.STALLED else job.error,
        "summary": kind.summary(job) if kind.summary and job.status == Job.Status.DONE else "",
        "download_url": reverse("jobs:download", args=[job.pk])
        if job.status == Job.Status.DONE and job.result_file
        else None,
        "active": job.is_active,
    }


@require_GET
@login_required
def job_list(request):
    jobs = list(jobs_visible_to(request.user)[:LIST_SIZE])
    for job in jobs:
        job.kind_label = registry.get(job.kind).label
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@require_GET
@never_cache
@login_required
def job_detail(request, pk: int):
    job = _visible_job(request, pk)
    kind = registry.get(job.kind)
    return render(
        request,
        "jobs/job_detail.html",
        {
            "job": job,
            "kind": kind,
            "state": _state(job),
            "back_url": kind.back_url(job) if kind.back_url else None,
            "links": kind.links(job) if kind.links and job.status == Job.Status.DONE else [],
        },
    )


@require_GET
@never_cache
@login_required
def job_status(request, pk: int):
    return JsonResponse(_state(_visible_job(request, pk)))


@require_GET
@login_required
def job_download(request, pk: int):
    job = _visible_job(request, pk)
    if job.status != Job.Status.DONE or not job.result_file:
        raise Http404
    audit.record(
        actor=request.user,
        action="jobs.download",
        summary=_("下载%(kind)s：%(scope)s") % {"kind": registry.get(job.kind).label, "scope": job.scope_label},
        details={"job": job.pk, "kind": job.kind},
    )
    filename = job.result_name or job.result_file.name.rsplit("/", 1)[-1]
    return private_download(job.result_file, filename=filename)


@require_POST
@login_required
def job_cancel(request, pk: int):
    job = _visible_job(request, pk)
    try:
        cancel_job(job=job, by=request.user)
    except JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("任务已取消。"))
    return redirect("jobs:detail", pk=job.pk)


@require_POST
@login_required
def job_retry(request, pk: int):
    job = _visible_job(request, pk)
    try:
        retry_job(job=job, by=request.user)
    except JobError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("任务已重新开始，已完成的部分不会重复。"))
    return redirect("jobs:detail", pk=job.pk)
