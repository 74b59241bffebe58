"""The attendance import as a background job, for sign-in sheets too long to import inside a web request.

A file with more than ``ATTENDANCE_IMPORT_JOB_ROWS`` rows is kept privately and
imported by a job (``jobs.imports``): checked whole first (a bad row fails the
job with the same row-numbered messages and writes nothing), then marked and
credited in one transaction, so it stays all-or-nothing and a killed worker's
attempt leaves nothing behind. Smaller files are imported at once, as before.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from classroom.importers.attendance import check_attendance, import_attendance
from classroom.models import TrainingSession
from classroom.selectors.sessions import can_manage_session
from core.xlsx import ImportFailed, ImportProblem, count_rows
from jobs.imports import import_kind, keep_upload
from jobs.models import Job
from jobs.services import start_job

# The name the kind had in the learning app: jobs.Job rows of earlier imports refer to it.
IMPORT_KIND = "learning.attendance_import"


def import_in_background(fileobj) -> bool:
    """Whether this upload is long enough to be imported by a job."""
    return count_rows(fileobj, max_rows=settings.MAX_IMPORT_ROWS_ATTENDANCE) > settings.ATTENDANCE_IMPORT_JOB_ROWS


def _session(job: Job) -> TrainingSession:
    """The job's session, if its requester may still run its attendance (the job may run, or be retried, later)."""
    session = TrainingSession.objects.filter(pk=job.parameters["session"]).first()
    if session is None:
        raise ImportFailed([ImportProblem(_("这次培训已不存在，未导入。"))])
    if not can_manage_session(job.requested_by, session):
        raise ImportFailed([ImportProblem(_("您已无权管理这次培训的签到，未导入。"))])
    return session


def _check(job: Job, handle) -> int:
    return check_attendance(session=_session(job), fileobj=handle, by=job.requested_by)


def _apply(job: Job, handle) -> dict:
    result = import_attendance(session=_session(job), fileobj=handle, by=job.requested_by)
    return {"created": result.created, "already": result.already, "ignored_columns": result.ignored_columns}


def _summary(job: Job, outcome: dict) -> str:
    text = _("导入成功：新登记签到 %(c)s 人，此前已签到 %(a)s 人。") % {
        "c": outcome["created"],
        "a": outcome["already"],
    }
    if outcome["ignored_columns"]:
        text += _("忽略的列：%(cols)s。") % {"cols": "、".join(outcome["ignored_columns"])}
    return text


ATTENDANCE_IMPORT = import_kind(
    name=IMPORT_KIND,
    label=gettext_lazy("导入签到名单"),
    unit_label=gettext_lazy("人"),
    check=_check,
    apply=_apply,
    summary=_summary,
    refusals=(ImportFailed,),
    back_url=lambda job: reverse("classroom:session_import", args=[job.parameters["session"]]),
)


def start_attendance_import(*, session: TrainingSession, upload, by: User) -> Job:
    """Keep the upload and start its import job; the caller has checked that ``by`` manages ``session``.

    Sessions belong to no unit, so the job is scoped to its requester (and administrators).
    """
    return start_job(
        kind=IMPORT_KIND,
        requested_by=by,
        parameters={
            "upload": keep_upload(upload, filename=upload.name),
            "filename": upload.name,
            "session": session.pk,
        },
        scope_unit=None,
        scope_label=f"{session.title}（{upload.name}）",
    )
