"""Seeding the prefecture: organisation + 5,235 staff (the foundation's benchmark)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, manage, scratch_database

STAFF = 5235


def run() -> list[tuple[str, object]]:
    url = scratch_database("seed")
    migrate = manage("migrate", "--noinput", database_url=url)
    seed = manage("seed_demo", "--staff", str(STAFF), "--quiet", database_url=url)
    again = manage("seed_demo", "--staff", str(STAFF), "--quiet", database_url=url)
    return [
        ("seed_migrate_seconds", migrate),
        (f"seed_demo_{STAFF}_staff_seconds", seed),
        (f"seed_demo_{STAFF}_staff_rerun_seconds", again),
    ]


if __name__ == "__main__":
    emit(run())
