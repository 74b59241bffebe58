"""Database-level guards for the ledger (PostgreSQL only).

The model and queryset refuse updates and deletes; this trigger makes the
database refuse them too, so raw SQL, a shell session or a future bug cannot
rewrite history. TRUNCATE is left alone on purpose: it needs the table owner's
rights, and test runs (``flush``) empty the tables with it. ``install_ledger_guards`` is idempotent and runs after every
``migrate`` (and from a migration), and does nothing on SQLite.
"""

from __future__ import annotations

LEDGER_TABLE = "learning_ledgerentry"

GUARD_SQL = f"""
CREATE OR REPLACE FUNCTION learning_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'learning ledger is append-only: % refused', TG_OP
        USING ERRCODE = 'restrict_violation';
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS learning_ledger_append_only ON {LEDGER_TABLE};
CREATE TRIGGER learning_ledger_append_only
    BEFORE UPDATE OR DELETE ON {LEDGER_TABLE}
    FOR EACH ROW EXECUTE FUNCTION learning_ledger_append_only();
"""


def install_ledger_guards(connection) -> bool:
    """Create (or replace) the append-only triggers; returns True when installed."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [LEDGER_TABLE])
        if cursor.fetchone()[0] is None:
            return False
        cursor.execute(GUARD_SQL)
    return True
