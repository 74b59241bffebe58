"""Database-level guards for the ledger (PostgreSQL only).

The model and queryset refuse updates and deletes; these triggers make the
database refuse them too, so raw SQL, a shell session or a future bug cannot
rewrite history. TRUNCATE (which skips row triggers: ``manage.py flush``, a
restore script emptying tables) is refused by a statement-level trigger, unless
the session declares ``fazhi.allow_ledger_truncate = on``: the test settings do
for the test database, whose runs empty the tables between tests.
``install_ledger_guards`` is idempotent and runs after every ``migrate`` (and
from migrations), and does nothing on SQLite.
"""

from __future__ import annotations

LEDGER_TABLE = "learning_ledgerentry"
#: A session that sets this to "on" may TRUNCATE the ledger (the test database's connections only).
ALLOW_TRUNCATE_SETTING = "fazhi.allow_ledger_truncate"

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

CREATE OR REPLACE FUNCTION learning_ledger_no_truncate() RETURNS trigger AS $$
BEGIN
    IF current_setting('{ALLOW_TRUNCATE_SETTING}', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'learning ledger is append-only: TRUNCATE refused'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

DROP TRIGGER IF EXISTS learning_ledger_no_truncate ON {LEDGER_TABLE};
CREATE TRIGGER learning_ledger_no_truncate
    BEFORE TRUNCATE ON {LEDGER_TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION learning_ledger_no_truncate();
"""

DROP_TRUNCATE_GUARD_SQL = f"""
DROP TRIGGER IF EXISTS learning_ledger_no_truncate ON {LEDGER_TABLE};
DROP FUNCTION IF EXISTS learning_ledger_no_truncate();
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
