"""Reminder e-mails are recorded as sent only once the mail server took them (learning/services/reminders.py).

Reminders sent before this migration were e-mailed when they were created (or the
attempt was lost with its failed run): they are marked e-mailed at their creation
time, so the first run after the upgrade does not mail this month's reminders again.
"""

from django.db import migrations, models
from django.db.models import F

REMINDER_KINDS = ["pace", "digest", "review_risk", "review_digest"]


def mark_earlier_reminders_emailed(apps, schema_editor):
    Notification = apps.get_model("learning", "Notification")
    Notification.objects.filter(kind__in=REMINDER_KINDS, emailed_at__isnull=True).update(emailed_at=F("created_at"))


class Migration(migrations.Migration):
    dependencies = [("learning", "0005_bulk_issue_jobs_move_to_jobs")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="emailed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="邮件发送时间"),
        ),
        migrations.RunPython(mark_earlier_reminders_emailed, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="notification",
            index=models.Index(
                condition=models.Q(("emailed_at__isnull", True), models.Q(("dedupe_key", ""), _negated=True)),
                fields=["dedupe_key"],
                name="notification_mail_pending",
            ),
        ),
    ]
