"""Compliance page and Excel export at prefecture scale (5,235 staff × ~60 ledger entries).

1. Page: the server time of ``/learning/compliance/`` for the whole prefecture
   (through ``django.test.Client``: middleware, session, scope, every query,
   template), median of repeated runs, against the bare SQL that computes the
   same per-unit totals (headcount, compliant, behind pace, hours). The bare SQL
   is measured twice: summing the ledger itself (what a page without the
   balance table has to do) and over the balance table the page reads. For
   scale, the same run times the floor every signed-in page pays: the admin's
   (empty) message list through the same middleware, navigation and base
   template.
2. Export: the Excel export of all staff against writing the same rows with
   openpyxl's write-only mode alone (rows already in memory).

Standalone: ``DATABASE_URL=postgres://… DJANGO_SETTINGS_MODULE=config.settings.test python bench/compliance.py``.
It works in a scratch database of its own (``<db>_bench_compliance``).
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, scratch_database, signed_in_client

STAFF = 5235
REPEAT = 9
COUNTIES = (
    "喀什市",
    "疏附县",
    "疏勒县",
    "英吉沙县",
    "泽普县",
    "莎车县",
    "叶城县",
    "麦盖提县",
    "岳普湖县",
    "伽师县",
    "巴楚县",
    "塔什库尔干塔吉克自治县",
)
DEPARTMENTS = ("市场监督管理局", "自然资源局", "生态环境局", "交通运输局", "农业农村局", "综合行政执法局")


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False


def _build_org_and_staff():
    """12 counties × 6 departments + 32 prefecture departments; staff spread over them."""
    from accounts.models import OrgUnit, User

    pref = OrgUnit.add_root(name="喀什地区", code="KS", kind=OrgUnit.Kind.PREFECTURE)
    leaves = []
    for i, county_name in enumerate(COUNTIES):
        county = pref.add_child(name=county_name, code=f"KS-{i:02d}", kind=OrgUnit.Kind.COUNTY)
        pref.refresh_from_db()
        for j, dept in enumerate(DEPARTMENTS):
            leaves.append(county.add_child(name=f"{county_name}{dept}", code=f"KS-{i:02d}-{j}", kind="department"))
            county.refresh_from_db()
    for k in range(32):
        leaves.append(pref.add_child(name=f"地区直属部门{k + 1}", code=f"KS-P{k:02d}", kind="department"))
        pref.refresh_from_db()
    users = [
        User(employee_no=f"B{n:06d}", full_name=f"人员{n}", org_unit=leaves[n % len(leaves)], password="!")
        for n in range(STAFF)
    ]
    User.objects.bulk_create(users, batch_size=2000)
    return pref, list(User.objects.order_by("pk"))


def _admin():
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from accounts.models import OrgUnit, User

    admin = User.objects.create_superuser("bench-admin", "x", full_name="管理员", org_unit=OrgUnit.get_root_nodes()[0])
    TOTP.activate(admin, generate_totp_secret())
    return admin


LEDGER_SQL = """
WITH per_person AS (
    SELECT u.id, substr(o.path, 1, 8) AS grp, COALESCE(SUM(e.hours), 0) AS hours
    FROM accounts_user u
    JOIN accounts_orgunit o ON o.id = u.org_unit_id
    LEFT JOIN learning_ledgerentry e ON e.user_id = u.id AND e.year = %(year)s
    WHERE u.is_active AND o.path LIKE %(prefix)s
    GROUP BY u.id, grp
)
SELECT grp, COUNT(*), COUNT(*) FILTER (WHERE hours >= %(required)s),
       COUNT(*) FILTER (WHERE hours < %(required)s AND hours < %(pace)s), SUM(hours)
FROM per_person GROUP BY grp
"""
BALANCE_SQL = """
SELECT substr(o.path, 1, 8) AS grp, COUNT(*), COUNT(*) FILTER (WHERE COALESCE(b.total_hours, 0) >= %(required)s),
       COUNT(*) FILTER (WHERE COALESCE(b.total_hours, 0) < %(required)s AND COALESCE(b.total_hours, 0) < %(pace)s),
       SUM(COALESCE(b.total_hours, 0))
FROM accounts_user u
JOIN accounts_orgunit o ON o.id = u.org_unit_id
LEFT JOIN learning_personyearbalance b ON b.user_id = u.id AND b.year = %(year)s
WHERE u.is_active AND o.path LIKE %(prefix)s
GROUP BY grp
"""


def _medians(*fns, repeat: int = REPEAT) -> list[float]:
    """Median seconds of each function, runs interleaved so that load on the machine hits all alike."""
    for fn in fns:
        fn()  # warm-up
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeat):
        for i, fn in enumerate(fns):
            started = time.perf_counter()
            fn()
            times[i].append(time.perf_counter() - started)
    return [statistics.median(t) for t in times]


def _bare(sql: str, params: dict):
    from django.db import connection

    def query():
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return query


def run() -> list[tuple[str, object]]:
    url = scratch_database("compliance")
    _setup(url)
    from django.conf import settings
    from django.db import connection
    from openpyxl import Workbook

    from core.xlsx import write_workbook
    from demo.ledger import seed_ledger_history
    from learning.models import LedgerEntry
    from learning.selectors import compliance as sel
    from learning.selectors.requirements import pace

    year = dt.date.today().year - 1
    pref, users = _build_org_and_staff()
    started = time.perf_counter()
    seed_ledger_history(users, year, rng=random.Random(2024))
    seed_seconds = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    entries = LedgerEntry.objects.count()
    admin = _admin()
    client = signed_in_client(admin)
    # The export is timed as the workbook it writes, in this process (above EXPORT_JOB_ROWS a job writes the same).
    settings.EXPORT_JOB_ROWS = 10**9
    page_url = f"/learning/compliance/?year={year}"
    export_url = f"/learning/compliance/export.xlsx?year={year}"
    check = client.get(page_url)
    assert check.status_code == 200, check.status_code
    rules = sel.year_rules(year)
    headcount = sel.rollup(None, pref, rules, sel.row_units_for(None, pref)).totals.headcount
    required = rules.requirements["enforcement"].required_hours
    params = {"year": year, "prefix": pref.path + "%", "required": required, "pace": pace(required, year)}
    floor_url = "/learning/messages/"
    assert client.get(floor_url).status_code == 200
    page, ledger_sql, balance_sql, floor = _medians(
        lambda: client.get(page_url),
        _bare(LEDGER_SQL, params),
        _bare(BALANCE_SQL, params),
        lambda: client.get(floor_url),
    )

    export_response = client.get(export_url)
    assert export_response.status_code == 200
    headers, rows = sel.export_table(None, pref, rules)
    rows = list(rows)

    def openpyxl_alone():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="学时")
        sheet.append(headers)
        for row in rows:
            sheet.append([float(v) if hasattr(v, "as_tuple") else v for v in row])
        workbook.save(io.BytesIO())

    export, bare_xlsx, shared = _medians(
        lambda: client.get(export_url), openpyxl_alone, lambda: write_workbook(headers, rows), repeat=5
    )
    return [
        ("compliance_staff", STAFF),
        ("compliance_ledger_entries", entries),
        ("compliance_people_on_page", headcount),
        ("compliance_seed_ledger_history_seconds", seed_seconds),
        ("compliance_page_ms", page * 1000),
        ("compliance_bare_sql_over_ledger_ms", ledger_sql * 1000),
        ("compliance_bare_sql_over_balances_ms", balance_sql * 1000),
        ("compliance_page_vs_ledger_sql_ratio", page / ledger_sql),
        ("compliance_page_vs_balance_sql_ratio", page / balance_sql),
        ("compliance_signed_in_page_floor_ms", floor * 1000),
        ("compliance_export_all_staff_ms", export * 1000),
        ("compliance_openpyxl_alone_ms", bare_xlsx * 1000),
        ("compliance_write_workbook_ms", shared * 1000),
        ("compliance_export_vs_openpyxl_ratio", export / bare_xlsx),
    ]


if __name__ == "__main__":
    emit(run())
