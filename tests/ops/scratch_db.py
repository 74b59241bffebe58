"""Throw-away PostgreSQL databases (``<database>_bak_*``) built by running manage.py as an operator would.

The backup and upgrade tests work on whole databases made by ``migrate`` and ``seed_demo``
in a subprocess, next to the test database, on the server the tests use. Fingerprints are
read with plain SQL so they do not depend on the code that wrote the data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest
from django.conf import settings

#: PATH for the subprocesses (this virtualenv's tools, then pg_dump & co. from the system): not a copy of ours.
TOOL_PATH = os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"])

ROOT = Path(__file__).resolve().parents[2]
_DB = settings.DATABASES["default"]
ON_POSTGRES = _DB["ENGINE"] == "django.db.backends.postgresql"

#: Scratch databases are named after the configured one (``fazhi_ci`` → ``fazhi_ci_bak_up``), so runs
#: against different databases on one server never drop each other's.
PREFIX = f"{str(_DB.get('NAME') or 'fazhi').removeprefix('test_')}_bak_"

# The tables whose rows are the platform's data (ours); framework tables may grow on migrate.
DATA_TABLE_PREFIXES = ("accounts_", "cms_", "learning_", "classroom_", "exams_", "jobs_")


def requires_postgres():
    return pytest.mark.skipif(not ON_POSTGRES, reason="needs PostgreSQL: set DATABASE_URL (.ci/run does)")


def url(name: str) -> str:
    """A libpq URL for database ``name`` on the test database's server, with its credentials."""
    user = quote(_DB.get("USER") or "postgres", safe="")
    password = _DB.get("PASSWORD") or ""
    auth = f"{user}:{quote(password, safe='')}" if password else user
    return f"postgres://{auth}@{_DB.get('HOST') or '127.0.0.1'}:{_DB.get('PORT') or 5432}/{name}"


def server_args() -> list[str]:
    """Connection options for the client tools that take no URL (createdb)."""
    return [
        f"--host={_DB.get('HOST') or '127.0.0.1'}",
        f"--port={_DB.get('PORT') or 5432}",
        f"--username={_DB.get('USER') or 'postgres'}",
    ]


def tool_env() -> dict[str, str]:
    env = {"PATH": TOOL_PATH}
    if _DB.get("PASSWORD"):
        env["PGPASSWORD"] = _DB["PASSWORD"]
    return env


def scratch(label: str) -> str:
    """The name of this run's scratch database ``label``."""
    return PREFIX + label


def drop(name: str) -> None:
    assert name.startswith(PREFIX)
    with psycopg.connect(url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run(args: list[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None, timeout: int = 300):
    result = subprocess.run(
        args, cwd=cwd, env={**tool_env(), **(env or {})}, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{' '.join(map(str, args))} failed:\n{result.stdout}\n{result.stderr}"
    return result


def manage(database: str, *args: str, code: Path = ROOT, media: Path | None = None, timeout: int = 300):
    """``python manage.py ARGS`` of the code in ``code`` against ``database``, with a clean environment."""
    media = media or Path(tempfile.gettempdir())
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DEBUG": "false",
        "DATABASE_URL": url(database),
        "MEDIA_ROOT": str(media / "media"),
        "PRIVATE_MEDIA_ROOT": str(media / "private_media"),
        "ALLOWED_HOSTS": "testserver,localhost",
    }
    return run([sys.executable, "manage.py", *args], cwd=code, env=env, timeout=timeout)


def ledger_fingerprint(database: str) -> tuple[int, str]:
    """Row count and an md5 over (id, user_id, hours, source_key) in id order."""
    with psycopg.connect(url(database)) as conn:
        return conn.execute(
            "SELECT count(*), md5(coalesce(string_agg(concat_ws('|', id, user_id, hours, source_key), ','"
            " ORDER BY id), '')) FROM learning_ledgerentry"
        ).fetchone()


def data_table_counts(database: str) -> dict[str, int]:
    with psycopg.connect(url(database)) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
            if t.startswith(DATA_TABLE_PREFIXES)
        ]
        return {t: conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


BALANCE_MISMATCHES = """
WITH sums AS (SELECT user_id, year, sum(hours) AS s FROM learning_ledgerentry GROUP BY user_id, year),
     cat_sums AS (SELECT user_id, year, category_code, sum(hours) AS s
                  FROM learning_ledgerentry GROUP BY user_id, year, category_code)
SELECT
  (SELECT count(*) FROM learning_personyearbalance b FULL JOIN sums USING (user_id, year)
    WHERE coalesce(b.total_hours, 0) <> coalesce(sums.s, 0))
  +
  (SELECT count(*) FROM learning_personyearcategorybalance c FULL JOIN cat_sums USING (user_id, year, category_code)
    WHERE coalesce(c.hours, 0) <> coalesce(cat_sums.s, 0))
"""


def balance_mismatches(database: str) -> int:
    """Balances (totals and per category) that differ from the sum of their ledger rows."""
    with psycopg.connect(url(database)) as conn:
        return conn.execute(BALANCE_MISMATCHES).fetchone()[0]


def content_types(database: str, moved: dict[str, tuple[str, str]]) -> dict[tuple[str, str], int]:
    """``(app_label, model) → id`` of the content types of ``moved`` (model → (old app, new app)), in either app."""
    apps = sorted({app for pair in moved.values() for app in pair})
    with psycopg.connect(url(database)) as conn:
        rows = conn.execute(
            "SELECT app_label, model, id FROM django_content_type WHERE model = ANY(%s) AND app_label = ANY(%s)",
            [list(moved), apps],
        ).fetchall()
    return {(app, model): id_ for app, model, id_ in rows}


def group_permissions(database: str, group: str) -> list[tuple[int, str, int]]:
    """``(permission id, codename, content type id)`` of every permission the group holds."""
    with psycopg.connect(url(database)) as conn:
        return conn.execute(
            "SELECT p.id, p.codename, p.content_type_id FROM auth_group g"
            " JOIN auth_group_permissions gp ON gp.group_id = g.id JOIN auth_permission p ON p.id = gp.permission_id"
            " WHERE g.name = %s ORDER BY p.id",
            [group],
        ).fetchall()


def ledger_refuses_rewrites(database: str) -> list[str]:
    """Try an UPDATE and a DELETE on one ledger row; return the database's refusals."""
    refusals = []
    with psycopg.connect(url(database), autocommit=True) as conn:
        row_id = conn.execute("SELECT min(id) FROM learning_ledgerentry").fetchone()[0]
        for sql in (
            "UPDATE learning_ledgerentry SET hours = hours + 1 WHERE id = %s",
            "DELETE FROM learning_ledgerentry WHERE id = %s",
        ):
            with pytest.raises(psycopg.errors.RestrictViolation) as refused:
                conn.execute(sql, [row_id])
            refusals.append(str(refused.value))
    return refusals
