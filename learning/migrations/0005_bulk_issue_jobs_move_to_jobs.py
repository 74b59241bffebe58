"""The bulk-issue jobs become ``jobs.Job`` rows of kind ``certificates.annual_bulk``.

Finished jobs keep their ZIP (same file, same private storage). A job that was
still pending or running is moved as *failed* without a plan, so its page
offers "重试", which plans it again (issuing is idempotent) instead of showing
"正在颁发" forever.
"""

import json

from django.db import migrations

KIND = "certificates.annual_bulk"


def forwards(apps, schema_editor):
    BulkIssueJob = apps.get_model("learning", "BulkIssueJob")
    Job = apps.get_model("jobs", "Job")
    for old in BulkIssueJob.objects.select_related("unit").order_by("pk").iterator():
        parameters = {"year": old.year}
        done = old.status == "done"
        Job.objects.create(
            kind=KIND,
            requested_by_id=old.requested_by_id,
            parameters=parameters,
            scope_unit_id=old.unit_id,
            scope_label=f"{old.year} · {old.unit.name}",
            dedupe_key=f"{KIND}|unit:{old.unit_id}|{json.dumps(parameters, sort_keys=True)}",
            status="done" if done else "failed",
            total=old.total,
            done=min(old.done, old.total),
            planned=done,
            result_file=old.zip_file.name if old.zip_file else "",
            result_name=f"certificates-{old.year}-{old.unit.code}.zip" if old.zip_file else "",
            error=old.error if old.status == "failed" else (old.error or "升级时任务未完成，请重试。"),
            created_at=old.created_at,
            heartbeat_at=old.finished_at or old.created_at,
            finished_at=old.finished_at or old.created_at,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0001_initial"),
        ("learning", "0004_certificate_reissue"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.DeleteModel(name="BulkIssueJob"),
    ]
