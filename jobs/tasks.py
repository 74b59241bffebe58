"""Celery tasks of the jobs app: thin, idempotent wrappers around ``jobs.services``.

All run with ``acks_late``: a worker killed mid-task leaves the message
unacknowledged, the broker redelivers it, and the service sees from the job row
what was already counted. Routing: every task here is named ``jobs.tasks.*``.
"""

from __future__ import annotations

from celery import shared_task

from . import services

__all__ = ["finish_job", "plan_job", "resume_stale_jobs", "run_job_chunk"]


@shared_task(name="jobs.tasks.plan_job", acks_late=True)
def plan_job(job_id: int) -> None:
    services.plan_job(job_id)


@shared_task(name="jobs.tasks.run_job_chunk", acks_late=True)
def run_job_chunk(job_id: int, index: int) -> bool:
    return services.run_chunk(job_id, index)


@shared_task(name="jobs.tasks.finish_job", acks_late=True)
def finish_job(job_id: int) -> None:
    services.finish_job(job_id)


@shared_task(name="jobs.tasks.resume_stale_jobs", acks_late=True)
def resume_stale_jobs() -> dict:
    from .imports import purge_uploads

    resumed, failed = services.mark_stale()
    return {"resumed": resumed, "failed": failed, "uploads_purged": purge_uploads()}
