"""Starting, running, finishing, cancelling, retrying and rescuing jobs.

Every step is idempotent and checks the job's status under a row lock, so the
same task delivered twice (``acks_late`` redelivers what a killed worker held)
or a resumed job racing the late original changes nothing the second time: a
chunk is counted once (``finished_chunks``), the result file is attached once.
Tasks are enqueued on commit, so a worker never sees a job the database has not.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import threading

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from accounts.models import OrgUnit, User

from . import registry
from .models import Job, job_result_upload_to
from .selectors import can_view_job

#: A running job without progress for this long is resumed (its unfinished chunks enqueued again).
STALE_AFTER = dt.timedelta(minutes=5)
#: After this many automatic resumes a stalled job is failed instead; a person can still retry it.
MAX_RESUMES = 3
#: Room for an import's refusal: a heading, MAX_IMPORT_PROBLEMS_LISTED problems and the count of the rest.
MAX_ERROR_CHARS = 20_000


logger = logging.getLogger(__name__)


class JobError(Exception):
    """Something a person asked of a job that cannot be done; the message says why."""


def stale_after() -> dt.timedelta:
    seconds = getattr(settings, "JOBS_STALE_AFTER_SECONDS", None)
    return dt.timedelta(seconds=seconds) if seconds else STALE_AFTER


def max_resumes() -> int:
    return getattr(settings, "JOBS_MAX_RESUMES", MAX_RESUMES)


# --- enqueueing -------------------------------------------------------------------


def _enqueue(job_id: int, *, plan: bool = False, chunks: list[int] = (), finish: bool = False) -> None:
    """Send the tasks after the surrounding transaction commits (at once when there is none)."""
    from . import tasks

    def send() -> None:
        if plan:
            tasks.plan_job.delay(job_id)
        for index in chunks:
            tasks.run_job_chunk.delay(job_id, index)
        if finish:
            tasks.finish_job.delay(job_id)

    transaction.on_commit(send)


def _enqueue_remaining(job: Job) -> None:
    """What a job still needs, from its row: the plan, the uncounted chunks, or the result file."""
    if not job.planned:
        _enqueue(job.pk, plan=True)
    elif job.unfinished_chunks:
        _enqueue(job.pk, chunks=job.unfinished_chunks)
    else:
        _enqueue(job.pk, finish=True)


# --- starting ---------------------------------------------------------------------


def dedupe_key(*, kind: str, parameters: dict, scope_unit: OrgUnit | None, requested_by: User) -> str:
    # A unit's subtree is the same data for everyone who may see it; "everything I may see" is per person.
    scope = f"unit:{scope_unit.pk}" if scope_unit is not None else f"user:{requested_by.pk}"
    return f"{kind}|{scope}|{json.dumps(parameters, sort_keys=True, ensure_ascii=False)}"[:500]


def start_job(
    *,
    kind: str,
    requested_by: User,
    parameters: dict,
    scope_unit: OrgUnit | None,
    scope_label: str = "",
    audit_action: str = "",
    audit_summary: str = "",
    audit_details: dict | None = None,
) -> Job:
    """Create the job and enqueue its plan; an unfinished job of the same kind, parameters and scope is reused.

    The caller has checked that ``requested_by`` may see ``scope_unit`` (the
    kind's own start function does, with ``accounts.scope``). A new job is
    audited (``audit_action``) in the same transaction; a reused one is not.
    """
    registry.get(kind)  # an unknown kind is a programming error, raised before anything is written
    key = dedupe_key(kind=kind, parameters=parameters, scope_unit=scope_unit, requested_by=requested_by)
    with transaction.atomic():
        running = Job.objects.select_for_update().filter(dedupe_key=key, status__in=Job.ACTIVE).first()
        if running is not None:
            return running
        job = Job.objects.create(
            kind=kind,
            requested_by=requested_by,
            parameters=parameters,
            scope_unit=scope_unit,
            scope_label=scope_label or (scope_unit.full_path if scope_unit else ""),
            dedupe_key=key,
        )
        if audit_action:
            audit.record(
                actor=requested_by,
                action=audit_action,
                summary=audit_summary,
                details={"job": job.pk, **(audit_details or {})},
            )
        _enqueue(job.pk, plan=True)
    return job


# --- running ----------------------------------------------------------------------


def fail_job(job_id: int, message: str, *, incident: str = Job.Incident.NONE) -> None:
    Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(
        status=Job.Status.FAILED, error=message[:MAX_ERROR_CHARS], incident=incident, finished_at=timezone.now()
    )


def plan_job(job_id: int) -> None:
    """Ask the kind for its chunks and store them; a job that is planned already is only continued."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status not in Job.ACTIVE:
        return
    if job.planned:
        with transaction.atomic():
            _enqueue_remaining(job)
        return
    try:
        with keep_alive(job_id):
            plan = registry.get(job.kind).plan(job)
    except Exception as exc:
        fail_job(job_id, str(exc))
        raise
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.status not in Job.ACTIVE or job.planned:
            return
        job.chunks = plan.chunks
        job.context = plan.context
        job.total = plan.total
        job.done = 0
        job.finished_chunks = []
        job.planned = True
        job.status = Job.Status.RUNNING
        job.heartbeat_at = timezone.now()
        job.save(
            update_fields=["chunks", "context", "total", "done", "finished_chunks", "planned", "status", "heartbeat_at"]
        )
        _enqueue_remaining(job)


@contextlib.contextmanager
def keep_alive(job_id: int):
    """Move the job's heartbeat while a long step runs, so the stale check does not start it a second time.

    A thread with its own database connection (outside the step's transaction)
    touches ``heartbeat_at`` every third of ``stale_after()``; it dies with the
    worker, so a killed worker's job still goes stale and is resumed.
    """
    stop = threading.Event()
    interval = max(1.0, stale_after().total_seconds() / 3)

    def beat() -> None:
        try:
            while not stop.wait(interval):
                Job.objects.filter(pk=job_id, status__in=Job.ACTIVE).update(heartbeat_at=timezone.now())
        except Exception:  # a missed beat at worst lets the job be resumed; never break the step itself
            logger.warning("job %s: heartbeat failed", job_id, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"job-{job_id}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run_chunk(job_id: int, index: int) -> bool:
    """Do chunk ``index`` unless it was counted already; ``True`` when it was the last one."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != Job.Status.RUNNING or index in job.finished_chunks or index >= len(job.chunks):
        return False
    Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())
    try:
        with keep_alive(job_id):
            output = registry.get(job.kind).run_chunk(job, index, job.chunks[index])
    except Exception as exc:
        fail_job(job_id, str(exc))
        raise
    return count_chunk(job_id, index, output=output)


def count_chunk(job_id: int, index: int, *, output=None) -> bool:
    """Count a chunk once (a redelivered or resumed task does not count twice); ``True`` when it was the last."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if index in job.finished_chunks or job.status != Job.Status.RUNNING:
            return False
        job.finished_chunks = [*job.finished_chunks, index]
        job.done = min(job.total, job.done + int(job.chunks[index].get("size", 0)))
        job.heartbeat_at = timezone.now()
        fields = ["finished_chunks", "done", "heartbeat_at"]
        if output is not None:
            job.context = {**job.context, "outputs": {**job.context.get("outputs", {}), str(index): output}}
            fields.append("context")
        job.save(update_fields=fields)
        last = not job.unfinished_chunks
        if last:
            _enqueue(job_id, finish=True)
    return last


def finish_job(job_id: int) -> Job | None:
    """Build the result file once every chunk is counted; a second call keeps the first file."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None or job.status != Job.Status.RUNNING or not job.planned or job.unfinished_chunks:
        return job
    Job.objects.filter(pk=job_id).update(heartbeat_at=timezone.now())
    try:
        with keep_alive(job_id):
            result = registry.get(job.kind).finish(job)
    except Exception as exc:
        fail_job(job_id, str(exc))
        raise
    name = ""
    storage = job.result_file.storage
    if result is not None:
        try:
            name = storage.save(job_result_upload_to(job, result.filename), File(result.file))
        finally:
            result.file.close()
    updated = Job.objects.filter(pk=job_id, status=Job.Status.RUNNING).update(
        status=Job.Status.DONE,
        result_file=name,
        result_name=result.filename if result else "",
        done=F("total"),
        finished_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    if not updated and name:
        storage.delete(name)  # another delivery (or a cancel) got there first
    job.refresh_from_db()
    return job


# --- what a person does -----------------------------------------------------------


def cancel_job(*, job: Job, by: User) -> Job:
    """Stop a job: chunks not yet started are skipped, the one running finishes but is not counted."""
    if not can_view_job(by, job):
        raise PermissionDenied
    with transaction.atomic():
        updated = Job.objects.filter(pk=job.pk, status__in=Job.ACTIVE).update(
            status=Job.Status.CANCELLED, finished_at=timezone.now()
        )
        if not updated:
            raise JobError(_("任务已经结束，不能取消。"))
        audit.record(
            actor=by,
            action="jobs.cancel",
            summary=_("取消后台任务 #%(id)s：%(kind)s") % {"id": job.pk, "kind": registry.get(job.kind).label},
            details={"job": job.pk},
        )
    job.refresh_from_db()
    return job


def retry_job(*, job: Job, by: User) -> Job:
    """Run a failed job again: chunks already counted are kept, only the rest (and the result file) are redone."""
    if not can_view_job(by, job):
        raise PermissionDenied
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status != Job.Status.FAILED:
            raise JobError(_("只有失败的任务可以重试。"))
        if job.incident == Job.Incident.REFUSED:
            raise JobError(_("文件有问题，重试也不会成功：请改正后重新上传。"))
        job.status = Job.Status.RUNNING if job.planned else Job.Status.PENDING
        job.error = ""
        job.incident = Job.Incident.NONE
        job.resumes = 0
        job.finished_at = None
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["status", "error", "incident", "resumes", "finished_at", "heartbeat_at"])
        audit.record(
            actor=by,
            action="jobs.retry",
            summary=_("重试后台任务 #%(id)s：%(kind)s") % {"id": job.pk, "kind": registry.get(job.kind).label},
            details={"job": job.pk},
        )
        _enqueue_remaining(job)
    return job


# --- rescue -----------------------------------------------------------------------


def stalled_message(minutes: int) -> str:
    return _("已超过 %(minutes)s 分钟没有进展，已标记为失败，可重试。") % {"minutes": minutes}


def mark_stale(*, job_ids: list[int] | None = None, now: dt.datetime | None = None) -> tuple[list[int], list[int]]:
    """Resume the active jobs without progress for ``stale_after()``, or fail them after ``max_resumes()``.

    Resuming re-enqueues what the job still needs (its chunks are idempotent),
    so work a killed worker held is done again and counted once. Called every
    minute by beat and whenever someone looks at a job. Returns
    ``(resumed ids, failed ids)``.
    """
    now = now or timezone.now()
    limit = stale_after()
    candidates = Job.objects.filter(status__in=Job.ACTIVE, heartbeat_at__lt=now - limit)
    if job_ids is not None:
        candidates = candidates.filter(pk__in=job_ids)
    resumed, failed = [], []
    for pk in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            job = Job.objects.select_for_update().get(pk=pk)
            if job.status not in Job.ACTIVE or job.heartbeat_at >= now - limit:
                continue
            if job.resumes >= max_resumes():
                job.status = Job.Status.FAILED
                job.incident = Job.Incident.STALLED
                job.error = stalled_message(max(1, int(limit.total_seconds() // 60)))
                job.finished_at = now
                job.save(update_fields=["status", "incident", "error", "finished_at"])
                failed.append(pk)
                continue
            job.resumes += 1
            job.incident = Job.Incident.RESUMED
            job.heartbeat_at = now
            job.save(update_fields=["resumes", "incident", "heartbeat_at"])
            _enqueue_remaining(job)
            resumed.append(pk)
    return resumed, failed


__all__ = [
    "JobError",
    "cancel_job",
    "count_chunk",
    "fail_job",
    "finish_job",
    "mark_stale",
    "plan_job",
    "retry_job",
    "run_chunk",
    "start_job",
]
