"""PostgreSQL refuses TRUNCATE on the ledger too (see learning/db.py)."""

from django.db import migrations

from learning.db import DROP_TRUNCATE_GUARD_SQL, install_ledger_guards


def install(apps, schema_editor):
    install_ledger_guards(schema_editor.connection)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_TRUNCATE_GUARD_SQL)


class Migration(migrations.Migration):
    dependencies = [("learning", "0006_notification_emailed_at")]
    operations = [migrations.RunPython(install, remove)]
