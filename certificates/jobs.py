"""The year-end bulk issue as a job kind: chunks of people, each issued and rendered idempotently, then one ZIP.

Issuing is safe to repeat (one certificate per holder and year is a database
constraint, and ``issue_annual_certificate`` returns the existing one), so a
chunk that runs twice — redelivered after a worker died, or resumed by
``jobs.services.mark_stale`` — issues nothing new and is counted once.
"""

from __future__ import annotations

import tempfile

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import OrgUnit
from jobs.models import Job
from jobs.registry import JobKind, Plan, Result

KIND = "certificates.annual_bulk"


def plan(job: Job) -> Plan:
    from certificates.selectors.certificates import due_annual_user_ids
    from certificates.services.certificates import BULK_CHUNK_SIZE

    year = job.parameters["year"]
    size = int(job.parameters.get("chunk_size") or BULK_CHUNK_SIZE)
    user_ids = due_annual_user_ids(year, job.scope_unit)
    return Plan(
        chunks=[
            {"size": len(ids), "ids": ids} for ids in (user_ids[i : i + size] for i in range(0, len(user_ids), size))
        ]
    )


def run_chunk(job: Job, index: int, chunk: dict) -> None:
    from certificates.services.certificates import issue_and_render_annual

    issue_and_render_annual(chunk["ids"], job.parameters["year"])


def finish(job: Job) -> Result:
    from certificates.services.certificates import annual_certificates_in, write_zip

    year = job.parameters["year"]
    unit: OrgUnit = job.scope_unit
    tmp = tempfile.TemporaryFile()
    write_zip(annual_certificates_in(year, unit).iterator(chunk_size=500), tmp)
    tmp.seek(0)
    return Result(filename=f"certificates-{year}-{unit.code}.zip", file=tmp)


BULK_ISSUE = JobKind(
    name=KIND,
    label=_("批量颁发年度培训合格证明"),
    unit_label=_("人"),
    download_label=_("下载全部证书（ZIP）"),
    plan=plan,
    run_chunk=run_chunk,
    finish=finish,
    back_url=lambda job: reverse("certificates:bulk"),
)
