"""Exports too large for a web request, built by jobs: the same rows as the page's own export, later.

An export of more than ``EXPORT_JOB_ROWS`` rows is started by a POST and
written by a job of a kind built with ``xlsx_export_kind``; the job stores only
the filters, and re-applies them and the requester's scope when it runs (the
staff export in ``directory/jobs.py``, the compliance export in
``learning/compliance_export.py``). Smaller exports are answered at once.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils import translation

from .models import Job
from .registry import JobKind, Plan, Result
from .storage import private_storage

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_job_rows() -> int:
    return getattr(settings, "EXPORT_JOB_ROWS", 3000)


def export_in_background(rows: int) -> bool:
    """Whether an export of ``rows`` rows is written by a job instead of inside the web request."""
    return rows > export_job_rows()


def _export_part(job: Job) -> str:
    return f"jobs/parts/{job.pk}/export.xlsx"


def xlsx_export_kind(
    *,
    name: str,
    label,
    unit_label,
    download_label,
    rows: Callable[[Job], int],
    build: Callable[[Job], bytes],
    filename: Callable[[Job], str],
    back_url: Callable[[Job], str] | None = None,
) -> JobKind:
    """A job kind for an Excel export that re-applies the requester's scope and the stored filters.

    ``rows(job)`` counts what will be written (the plan, so the page shows
    "0 / n" while the file is written) and ``build(job)`` writes the workbook:
    one task, because openpyxl's write-only mode streams a sheet it cannot
    append to later. Both run in the language the export was asked for
    (``parameters["language"]``), so the headers read as the synchronous
    export's would. The workbook waits for ``finish`` as a private part
    (overwritten by a rerun of the task); a finish that finds no part (a
    first finish consumed it, then failed to store the result) writes it again.
    """

    def language(job: Job):
        return translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE)

    def plan(job: Job) -> Plan:
        with language(job):
            return Plan(chunks=[{"size": rows(job)}])

    def run(job: Job, index: int, chunk: dict) -> str:
        with language(job):
            data = build(job)
        storage = private_storage()
        part = _export_part(job)
        if storage.exists(part):
            storage.delete(part)
        return storage.save(part, ContentFile(data))

    def finish(job: Job) -> Result:
        storage = private_storage()
        part = job.context.get("outputs", {}).get("0") or _export_part(job)
        try:
            with storage.open(part, "rb") as handle:
                data = handle.read()
        except FileNotFoundError:
            with language(job):
                data = build(job)
        else:
            storage.delete(part)
        return Result(filename=filename(job), file=io.BytesIO(data))

    return JobKind(
        name=name,
        label=label,
        unit_label=unit_label,
        download_label=download_label,
        plan=plan,
        run_chunk=run,
        finish=finish,
        back_url=back_url,
    )
