"""Imports too large for a web request, run as jobs: still checked whole, still all-or-nothing.

The web view keeps the upload in private storage (``keep_upload``) and starts a
job of an import kind built by ``import_kind``. The job's plan opens the file and
runs the import's ``check`` — every row, against the database too — without
writing anything; a file with problems fails the job with the same row-by-row
messages the page shows for a small file, and nothing is written. Otherwise the
plan has exactly one chunk: ``apply`` imports the whole file in one transaction.

One chunk in one transaction is what keeps the import all-or-nothing and lets it
survive a killed worker: the database rolls back the dead worker's transaction,
the chunk is never counted, and the job's stale check (or the broker's
redelivery) runs it again from the start, so every person ends up with exactly
one row. The upload is deleted once the import is done or refused; a failed or
cancelled import keeps it until retried or purged (``purge_uploads``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import IO

from django.db import transaction
from django.utils import timezone
from django.utils.translation import ngettext

from .models import Job
from .registry import JobKind, Plan
from .services import fail_job
from .storage import private_storage

UPLOAD_DIR = "jobs/uploads"
#: Uploads of jobs that ended without being done (failed, cancelled) are deleted after this long.
KEEP_FAILED_UPLOADS = dt.timedelta(days=7)


def keep_upload(fileobj, *, filename: str = "upload") -> str:
    """Store an uploaded file privately for a job; returns the name to pass in the job's parameters."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    name = f"{UPLOAD_DIR}/{uuid.uuid4().hex}.{suffix[:8]}"
    if hasattr(fileobj, "seek"):
        fileobj.seek(0)
    return private_storage().save(name, fileobj)


def _open(job: Job) -> IO[bytes]:
    return private_storage().open(job.parameters["upload"], "rb")


def delete_upload(job: Job) -> None:
    name = job.parameters.get("upload")
    if name and private_storage().exists(name):
        private_storage().delete(name)


def refusal_text(exc: Exception) -> str:
    """What the job page says about a refused file: how many problems, then one line each (as the import page)."""
    problems = getattr(exc, "problems", None)
    total = getattr(problems, "total", None)
    if total is None:
        return str(exc)
    head = ngettext("发现 %(n)s 个问题，未导入任何数据", "发现 %(n)s 个问题，未导入任何数据", total) % {"n": total}
    return f"{head}\n{exc}"


def import_kind(
    *,
    name: str,
    label,
    unit_label,
    check: Callable[[Job, IO[bytes]], int],
    apply: Callable[[Job, IO[bytes]], dict],
    summary: Callable[[Job, dict], str],
    refusals: tuple[type[Exception], ...],
    back_url: Callable[[Job], str] | None = None,
    links: Callable[[Job, dict], list[tuple[str, str]]] | None = None,
) -> JobKind:
    """A job kind for an import.

    ``check(job, file)`` reads and checks the whole file, writes nothing, and
    returns how many rows (people, questions) it holds, or raises one of
    ``refusals`` whose text lists the problems. ``apply(job, file)`` imports it
    (called inside one transaction) and returns a JSON-able outcome;
    ``summary(job, outcome)`` is the sentence the job page shows when it is done,
    ``links(job, outcome)`` the ``[(label, url)]`` it offers next.
    """

    def plan(job: Job) -> Plan:
        try:
            with _open(job) as handle:
                rows = check(job, handle)
        except refusals as exc:
            fail_job(job.pk, refusal_text(exc), incident=Job.Incident.REFUSED)
            delete_upload(job)  # the same file would be refused again: nothing to retry
            return Plan(chunks=[])
        return Plan(chunks=[{"size": rows}])

    def run(job: Job, index: int, chunk: dict) -> dict:
        with transaction.atomic(), _open(job) as handle:
            return apply(job, handle)

    def finish(job: Job) -> None:
        delete_upload(job)
        return None

    def describe(job: Job) -> str:
        outcome = job.context.get("outputs", {}).get("0")
        return summary(job, outcome) if outcome is not None else ""

    def next_steps(job: Job) -> list[tuple[str, str]]:
        outcome = job.context.get("outputs", {}).get("0")
        return links(job, outcome) if links is not None and outcome is not None else []

    return JobKind(
        name=name,
        label=label,
        unit_label=unit_label,
        download_label="",
        plan=plan,
        run_chunk=run,
        finish=finish,
        back_url=back_url,
        summary=describe,
        links=next_steps,
    )


def purge_uploads(*, now: dt.datetime | None = None) -> int:
    """Delete the uploads of jobs that ended without being done more than ``KEEP_FAILED_UPLOADS`` ago."""
    now = now or timezone.now()
    ended = Job.objects.filter(
        status__in=[Job.Status.FAILED, Job.Status.CANCELLED],
        finished_at__lt=now - KEEP_FAILED_UPLOADS,
        parameters__has_key="upload",
    )
    purged = 0
    for job in ended.iterator():
        delete_upload(job)
        job.parameters = {key: value for key, value in job.parameters.items() if key != "upload"}
        job.save(update_fields=["parameters"])
        purged += 1
    return purged


__all__ = ["delete_upload", "import_kind", "keep_upload", "purge_uploads"]
