"""Large question-bank imports as background jobs: the check (preview) and the import.

A file with more than ``QUESTION_IMPORT_JOB_QUESTIONS`` questions may take longer
to check or import than a web request may last (10,000 questions: up to 20-35 s
each on a busy two-core machine), so both steps of the two-step import run as jobs; smaller files
are still checked and imported inside the request. The file stays where the
two-step import keeps it, in ``PendingQuestionImport``; the jobs read it there.

* ``exams.question_check`` dry-runs the kept file and stores the preview (or the
  problems) on the staged row; the import page shows it and offers the
  confirmation. It writes no question, so running it twice is harmless.
* ``exams.question_import`` imports a checked file in one chunk, in one
  transaction, checked again inside that transaction (the bank may have changed
  since the preview: a cited law article removed…), so nothing can change
  between that check and the write and a refused file writes nothing. A separate
  check in the plan would only do the same work twice.

The import runs at most once per file. Its transaction locks the staged row,
imports, records the outcome on the job row and deletes the staged row, all or
nothing. A worker killed half-way leaves the row in place and nothing written,
so the re-run (redelivery or the stale-job rescue) imports from the start; a
chunk delivered again after the commit finds the row gone and the outcome on
the job, and returns that instead of importing twice. A job cancelled while it
imports rolls its import back (it checks its status before committing).
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from exams.models import PendingQuestionImport
from exams.services.question_import import (
    PendingImportMissing,
    QuestionImportFailed,
    check_staged,
    count_questions,
    find_pending,
    import_staged,
    keep_unchecked,
)
from jobs.models import Job
from jobs.registry import JobKind, Plan
from jobs.services import fail_job, start_job

CHECK_KIND = "exams.question_check"
IMPORT_KIND = "exams.question_import"
#: The categories a summary names one by one; the rest are counted.
SUMMARY_CATEGORIES = 5


def _threshold() -> int:
    return settings.QUESTION_IMPORT_JOB_QUESTIONS


def _gone_message() -> str:
    return _("要导入的文件已不在（已导入、已过期或已删除），请重新上传。")


def _staged_for(job: Job, *, lock: bool = False) -> PendingQuestionImport | None:
    staged = PendingQuestionImport.objects.filter(token=job.parameters["token"])
    return (staged.select_for_update() if lock else staged).first()


def _import_page(job: Job) -> str:
    return f"{reverse('exams_question_import:index')}?token={job.parameters['token']}"


# --- the check (preview) ------------------------------------------------------------


def large_file_count(*, data: bytes, fmt: str) -> int | None:
    """The question count of a file large enough to be checked by a job; ``None`` for one checked in the request.

    A file over ``MAX_IMPORT_QUESTIONS``, or whose questions cannot be counted
    without parsing (broken XML, a DTD, an unreadable workbook), is checked in
    the request: the check refuses it at once, before reading any question.
    """
    count = count_questions(data=data, fmt=fmt)
    if count is None or count > settings.MAX_IMPORT_QUESTIONS:
        return None
    return count if count > _threshold() else None


def start_question_check(
    *, data: bytes, fmt: str, base_category: str, skip_unsupported: bool, filename: str, user, question_count: int
) -> PendingQuestionImport:
    """Keep the file and start the job that checks it; the import page follows the job by the row's token."""
    with transaction.atomic():
        pending = keep_unchecked(
            data=data,
            fmt=fmt,
            base_category=base_category,
            skip_unsupported=skip_unsupported,
            filename=filename,
            user=user,
            question_count=question_count,
        )
        pending.job = start_job(
            kind=CHECK_KIND,
            requested_by=user,
            parameters={"token": str(pending.token), "filename": pending.filename},
            scope_unit=None,
            scope_label=pending.filename,
        )
        pending.save(update_fields=["job"])
    return pending


def _plan_check(job: Job) -> Plan:
    pending = _staged_for(job)
    if pending is None:
        fail_job(job.pk, _gone_message(), incident=Job.Incident.REFUSED)
        return Plan(chunks=[])
    return Plan(chunks=[{"size": max(pending.question_count, 1)}])


def _run_check(job: Job, index: int, chunk: dict) -> dict | None:
    pending = _staged_for(job)
    if pending is None:
        fail_job(job.pk, _gone_message(), incident=Job.Incident.REFUSED)
        return None
    if pending.checked:  # delivered again after the check was stored
        return {"questions": pending.question_count, "warnings": (pending.preview or {}).get("warnings_total", 0)}
    try:
        outcome = check_staged(pending)
    except QuestionImportFailed as exc:  # the problems are stored on the row for the import page
        fail_job(job.pk, str(exc), incident=Job.Incident.REFUSED)
        return None
    return {"questions": len(outcome.preview), "warnings": outcome.warnings.total}


def _check_summary(job: Job) -> str:
    outcome = job.context.get("outputs", {}).get("0")
    if outcome is None:
        return ""
    return ngettext(
        "检查通过：%(n)s 道题可以导入。请回到“导入题库”页面核对预览并确认导入。",
        "检查通过：%(n)s 道题可以导入。请回到“导入题库”页面核对预览并确认导入。",
        outcome["questions"],
    ) % {"n": f"{outcome['questions']:,}"}


QUESTION_CHECK = JobKind(
    name=CHECK_KIND,
    label=gettext_lazy("题库导入检查"),
    unit_label=gettext_lazy("题"),
    download_label="",
    plan=_plan_check,
    run_chunk=_run_check,
    finish=lambda job: None,
    back_url=_import_page,
    summary=_check_summary,
)


# --- the import ---------------------------------------------------------------------


def import_in_background(*, token, user) -> bool:
    """Whether confirming this staged file starts a job (raises ``PendingImportMissing``)."""
    return find_pending(token=token, user=user, checked=True).question_count > _threshold()


def start_question_import(*, token, user) -> Job:
    """Start (or, on a second click, find) the job importing this staged file.

    The staged row is not locked here: a running import holds its lock for the
    whole import, and a second click must not wait for that. Two jobs started
    for one file by a race still import it once (the second finds it gone).
    """
    with transaction.atomic():
        pending = find_pending(token=token, user=user, checked=True)
        job = start_job(
            kind=IMPORT_KIND,
            requested_by=user,
            parameters={"token": str(pending.token), "filename": pending.filename},
            scope_unit=None,
            scope_label=pending.filename,
        )
        if pending.job_id != job.pk:
            PendingQuestionImport.objects.filter(pk=pending.pk).update(job=job)
    return job


def _plan_import(job: Job) -> Plan:
    pending = _staged_for(job)
    if pending is None or not pending.checked:
        fail_job(job.pk, _gone_message(), incident=Job.Incident.REFUSED)
        return Plan(chunks=[])
    return Plan(chunks=[{"size": max(pending.question_count, 1)}])


class _Cancelled(Exception):
    """The job was cancelled while the import ran: roll it back."""


def _run_import(job: Job, index: int, chunk: dict) -> dict | None:
    """Import the file once (see the module's docstring); refusals fail the job as ``refused``."""
    try:
        with transaction.atomic():
            pending = _staged_for(job, lock=True)
            if pending is None:
                done = Job.objects.get(pk=job.pk).context.get("imported")
                if done is not None:  # this chunk ran before and committed; only its counting was lost
                    return done
                raise PendingImportMissing
            outcome = import_staged(pending, user=job.requested_by, job=job)
            largest = sorted(outcome.by_category.items(), key=lambda item: (-item[1], item[0]))
            result = {  # categories as pairs: a JSON object's keys lose their order in jsonb
                "created": outcome.created,
                "categories": [[name, count] for name, count in largest[:SUMMARY_CATEGORIES]],
                "category_count": len(largest),
            }
            current = Job.objects.select_for_update().get(pk=job.pk)
            if current.status != Job.Status.RUNNING:
                raise _Cancelled
            current.context = {**current.context, "imported": result}
            current.save(update_fields=["context"])
            pending.delete()
        return result
    except _Cancelled:
        return None  # nothing written; the staged file stays, the trainer may confirm it again
    except QuestionImportFailed as exc:
        fail_job(job.pk, str(exc), incident=Job.Incident.REFUSED)
        PendingQuestionImport.objects.filter(token=job.parameters["token"]).delete()  # it would fail the same way
        return None
    except PendingImportMissing:
        fail_job(job.pk, _gone_message(), incident=Job.Incident.REFUSED)
        return None


def _import_summary(job: Job) -> str:
    outcome = job.context.get("outputs", {}).get("0") or job.context.get("imported")
    if outcome is None:
        return ""
    n = f"{outcome['created']:,}"
    categories = outcome["categories"]
    if outcome["category_count"] == 1:
        return _("已导入 %(n)s 道题到分类“%(category)s”。") % {"n": n, "category": categories[0][0]}
    listed = "、".join(
        _("“%(category)s” %(n)s 道") % {"category": name, "n": f"{count:,}"} for name, count in categories
    )
    if outcome["category_count"] > len(categories):
        sentence = _("已导入 %(n)s 道题到 %(count)s 个分类，题目最多的是：%(list)s。")
    else:
        sentence = _("已导入 %(n)s 道题到 %(count)s 个分类：%(list)s。")
    return sentence % {"n": n, "count": outcome["category_count"], "list": listed}


QUESTION_IMPORT = JobKind(
    name=IMPORT_KIND,
    label=gettext_lazy("题库导入"),
    unit_label=gettext_lazy("题"),
    download_label="",
    plan=_plan_import,
    run_chunk=_run_import,
    finish=lambda job: None,
    back_url=lambda job: reverse("exams_question_import:index"),
    summary=_import_summary,
)


__all__ = [
    "CHECK_KIND",
    "IMPORT_KIND",
    "QUESTION_CHECK",
    "QUESTION_IMPORT",
    "import_in_background",
    "large_file_count",
    "start_question_check",
    "start_question_import",
]
