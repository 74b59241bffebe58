"""The certificates now belong to the certificates app (``certificates/0001``), which took
over their tables as they are: they leave learning's migration state only, and no
table, row or content type is dropped here. No learning model points at them."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("certificates", "0001_initial"),
        ("learning", "0010_sessions_moved_to_classroom"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
                migrations.DeleteModel(name="Certificate"),
                migrations.DeleteModel(name="CertificateSequence"),
                migrations.DeleteModel(name="CertificateSettings"),
            ],
        ),
    ]
