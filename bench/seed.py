"""Seeding the prefecture (5,235 staff) and a province (52,350 staff, goal: under 5 minutes) with seed_demo."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, manage, scratch_database

STAFF = 5235
PROVINCE = 52_350


def run() -> list[tuple[str, object]]:
    url = scratch_database("seed")
    migrate = manage("migrate", "--noinput", database_url=url)
    seed = manage("seed_demo", "--staff", str(STAFF), "--quiet", database_url=url)
    again = manage("seed_demo", "--staff", str(STAFF), "--quiet", database_url=url)
    province_url = scratch_database("seed_province")
    manage("migrate", "--noinput", database_url=province_url)
    province = manage("seed_demo", "--staff", str(PROVINCE), "--quiet", database_url=province_url)
    return [
        ("seed_migrate_seconds", migrate),
        (f"seed_demo_{STAFF}_staff_seconds", seed),
        (f"seed_demo_{STAFF}_staff_rerun_seconds", again),
        (f"seed_demo_{PROVINCE}_staff_seconds (goal < 300)", province),
        (f"seed_demo_{PROVINCE}_vs_{STAFF}_ratio", province / seed),
    ]


if __name__ == "__main__":
    emit(run())
