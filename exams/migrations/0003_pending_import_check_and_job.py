import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("exams", "0002_relations"),
        ("jobs", "0002_job_incident_refused"),
    ]

    operations = [
        # Files staged before this migration were checked in the upload request: they stay confirmable.
        migrations.AddField(
            model_name="pendingquestionimport",
            name="checked",
            field=models.BooleanField(default=True),
        ),
        migrations.AlterField(
            model_name="pendingquestionimport",
            name="checked",
            field=models.BooleanField(default=False),
        ),
        migrations.AddField(
            model_name="pendingquestionimport",
            name="question_count",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="pendingquestionimport",
            name="preview",
            field=models.JSONField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="pendingquestionimport",
            name="job",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="jobs.job",
            ),
        ),
    ]
