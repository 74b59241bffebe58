"""The staff import as a background job, for files too large to import inside a web request.

A file with more than ``STAFF_IMPORT_JOB_ROWS`` rows is kept privately and
imported by a job (``jobs.imports``): checked whole first, then written in one
transaction, so it stays all-or-nothing and a killed worker's attempt leaves
nothing behind. Smaller files are imported at once, as before.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.importers.staff import StaffImportResult, check_staff, import_staff
from accounts.models import User
from accounts.xlsx import ImportFailed, count_rows
from jobs.imports import import_kind, keep_upload
from jobs.models import Job
from jobs.services import start_job

IMPORT_KIND = "accounts.staff_import"


def import_in_background(fileobj) -> bool:
    """Whether this upload is large enough to be imported by a job."""
    return count_rows(fileobj, max_rows=settings.MAX_IMPORT_ROWS_STAFF) > settings.STAFF_IMPORT_JOB_ROWS


def record_staff_import(*, actor: User | None, result: StaffImportResult, filename: str) -> None:
    from accounts import audit

    audit.record(
        actor=actor,
        action="staff_import",
        summary=_("导入人员：新增 %(c)s，更新 %(u)s，未变 %(n)s")
        % {"c": result.created, "u": result.updated, "n": result.unchanged},
        details={"file": filename, "units_created": result.units_created},
    )


def _check(job: Job, handle) -> int:
    return check_staff(handle, actor=job.requested_by, create_units=job.parameters["create_units"])


def _apply(job: Job, handle) -> dict:
    p = job.parameters
    result = import_staff(
        handle,
        actor=job.requested_by,
        create_units=p["create_units"],
        dry_run=p["dry_run"],
        password_hash=p.get("password_hash") or None,
    )
    if not result.dry_run:
        record_staff_import(actor=job.requested_by, result=result, filename=p["filename"])
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "units_created": result.units_created,
        "dry_run": result.dry_run,
    }


def _summary(job: Job, outcome: dict) -> str:
    head = _("检查通过（未写入）") if outcome["dry_run"] else _("导入成功")
    text = _("%(head)s：新增 %(c)s，更新 %(u)s，未变 %(n)s。") % {
        "head": head,
        "c": outcome["created"],
        "u": outcome["updated"],
        "n": outcome["unchanged"],
    }
    if outcome["units_created"]:
        text += _("新建单位：%(units)s。") % {"units": "、".join(outcome["units_created"])}
    return text


STAFF_IMPORT = import_kind(
    name=IMPORT_KIND,
    label=gettext_lazy("人员导入"),
    unit_label=gettext_lazy("人"),
    check=_check,
    apply=_apply,
    summary=_summary,
    refusals=(ImportFailed,),
    back_url=lambda job: reverse("accounts:staff_import"),
)


def start_staff_import(*, upload, actor: User, create_units: bool, dry_run: bool, initial_password: str | None) -> Job:
    """Keep the upload and start its import job (the password travels only as its hash)."""
    parameters = {
        "upload": keep_upload(upload, filename=upload.name),
        "filename": upload.name,
        "create_units": create_units,
        "dry_run": dry_run,
        "password_hash": make_password(initial_password) if initial_password else "",
    }
    return start_job(
        kind=IMPORT_KIND,
        requested_by=actor,
        parameters=parameters,
        scope_unit=None,
        scope_label=upload.name,
    )
