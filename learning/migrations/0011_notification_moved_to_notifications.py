"""The in-site messages now belong to the notifications app (``notifications/0001``), which took
over their table as it is: the model leaves learning's migration state only, and no table,
row or content type is dropped here."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("learning", "0010_sessions_moved_to_classroom"),
        ("notifications", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Notification"),
            ],
        ),
    ]
