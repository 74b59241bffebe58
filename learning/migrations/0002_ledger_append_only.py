"""PostgreSQL refuses UPDATE and DELETE on the ledger (see learning/db.py)."""

from django.db import migrations

from learning.db import LEDGER_TABLE, install_ledger_guards


def install(apps, schema_editor):
    install_ledger_guards(schema_editor.connection)


def remove(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP TRIGGER IF EXISTS learning_ledger_append_only ON {LEDGER_TABLE}")
        schema_editor.execute("DROP FUNCTION IF EXISTS learning_ledger_append_only()")


class Migration(migrations.Migration):
    dependencies = [("learning", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
