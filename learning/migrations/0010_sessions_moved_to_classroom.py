"""The classroom sessions now belong to the classroom app (``classroom/0001``), which took
over their tables as they are: they leave learning's migration state only, and no
table, row or content type is dropped here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("classroom", "0001_initial"),
        ("learning", "0009_lessontimer_remove_access_checked_at"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Attendance"),
                migrations.DeleteModel(name="TrainingSession"),
                migrations.DeleteModel(name="LectureSeries"),
            ],
        ),
    ]
