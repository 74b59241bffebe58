"""PostgreSQL refuses TRUNCATE on the ledger (row triggers do not see it): learning/db.py, migration 0007."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from learning.apps import _after_migrate
from learning.db import ALLOW_TRUNCATE_SETTING, LEDGER_TABLE
from learning.models import LedgerEntry
from tests.learning.factories import credit

pytestmark = [pytest.mark.postgres, pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL")]


def _as_a_production_session(cursor):
    """The test database's connections may truncate (config/settings/test.py); a real session may not."""
    cursor.execute(f"SET LOCAL {ALLOW_TRUNCATE_SETTING} = 'off'")
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the test's own inserts leave deferred FK checks pending


@pytest.mark.parametrize(
    "sql",
    [f"TRUNCATE {LEDGER_TABLE} CASCADE", "TRUNCATE accounts_user CASCADE"],
)
def test_truncate_is_refused_also_through_a_cascade(learner, sql):
    credit(learner)
    with pytest.raises(DatabaseError, match="TRUNCATE refused"), transaction.atomic(), connection.cursor() as cur:
        _as_a_production_session(cur)
        cur.execute(sql)
    assert LedgerEntry.objects.count() == 1


def test_the_truncate_guard_is_restored_after_migrate(db):
    with connection.cursor() as cur:
        cur.execute(f"DROP TRIGGER learning_ledger_no_truncate ON {LEDGER_TABLE}")
    _after_migrate(sender=None, using="default")
    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = 'learning_ledger_no_truncate'",
            [LEDGER_TABLE],
        )
        assert cur.fetchone()[0] == 1


def test_a_session_that_declares_it_may_truncate(learner):
    """What the test runs rely on to empty the tables between transactional tests."""
    credit(learner)
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute(f"SET LOCAL {ALLOW_TRUNCATE_SETTING} = 'on'")
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cur.execute(f"TRUNCATE {LEDGER_TABLE} CASCADE")
        cur.execute(f"SELECT count(*) FROM {LEDGER_TABLE}")
        assert cur.fetchone()[0] == 0
        transaction.set_rollback(True)
