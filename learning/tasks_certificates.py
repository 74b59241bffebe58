"""Celery tasks for certificates: thin, idempotent wrappers around ``learning.services.certificates``.

The bulk run fans out one task per chunk of 100 people; each chunk counts
itself once on the job (``finish_bulk_chunk``) and the chunk that completes
the count enqueues the ZIP. No chord, so no result backend is needed.
"""

from __future__ import annotations

from celery import shared_task
from django.db import transaction

__all__ = [
    "build_bulk_issue_zip",
    "issue_annual_certificate",
    "process_bulk_issue_chunk",
    "render_certificate",
    "run_bulk_issue_job",
]


@shared_task(acks_late=True)
def issue_annual_certificate(user_id: int, year: int) -> str | None:
    """Issue and render the year's certificate if the person is due one; re-running issues nothing new."""
    from accounts.models import User
    from learning.services.certificates import NotEligible, ensure_pdf
    from learning.services.certificates import issue_annual_certificate as issue

    holder = User.objects.select_related("org_unit").filter(pk=user_id).first()
    if holder is None:
        return None
    try:
        result = issue(holder=holder, year=year)
    except NotEligible:
        return None
    if not result.certificate.is_revoked:
        ensure_pdf(result.certificate)
    return result.certificate.serial


@shared_task(acks_late=True)
def render_certificate(certificate_id: int) -> None:
    from learning.models import Certificate
    from learning.services.certificates import ensure_pdf

    certificate = Certificate.objects.filter(pk=certificate_id, revoked_at__isnull=True).first()
    if certificate is not None:
        ensure_pdf(certificate)


@shared_task(acks_late=True)
def run_bulk_issue_job(job_id: int) -> int:
    from learning.services.certificates import fail_bulk_job, plan_bulk_job

    try:
        chunks = plan_bulk_job(job_id)
    except Exception as exc:
        fail_bulk_job(job_id, str(exc))
        raise
    if not chunks:
        transaction.on_commit(lambda: build_bulk_issue_zip.delay(job_id))
        return 0
    for index, user_ids in enumerate(chunks):
        transaction.on_commit(lambda i=index, ids=user_ids: process_bulk_issue_chunk.delay(job_id, i, ids))
    return len(chunks)


@shared_task(acks_late=True)
def process_bulk_issue_chunk(job_id: int, index: int, user_ids: list[int]) -> int:
    from learning.models import BulkIssueJob
    from learning.services.certificates import fail_bulk_job, finish_bulk_chunk, issue_and_render_annual

    job = BulkIssueJob.objects.filter(pk=job_id).values("year", "status").first()
    if job is None or job["status"] != BulkIssueJob.Status.RUNNING:
        return 0
    try:
        created = issue_and_render_annual(user_ids, job["year"])
    except Exception as exc:
        fail_bulk_job(job_id, str(exc))
        raise
    if finish_bulk_chunk(job_id, index, len(user_ids)):
        transaction.on_commit(lambda: build_bulk_issue_zip.delay(job_id))
    return created


@shared_task(acks_late=True)
def build_bulk_issue_zip(job_id: int) -> None:
    from learning.services.certificates import build_bulk_zip, fail_bulk_job

    try:
        build_bulk_zip(job_id)
    except Exception as exc:
        fail_bulk_job(job_id, str(exc))
        raise
