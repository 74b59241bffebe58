"""The README's backup and restore, run as written: pg_dump of a seeded database, pg_restore into a new one, tar of the files.

What must survive: every ledger row (count and checksum), balances that equal their ledger,
every row of our tables, the sequences, and the trigger that makes the ledger append-only.
"""

import shutil
import tarfile
import time
from pathlib import Path

import psycopg
import pytest

from . import scratch_db as pg

SOURCE, RESTORED = pg.scratch("src"), pg.scratch("dst")
STAFF = 60

needs_pg_tools = pytest.mark.skipif(
    not (shutil.which("pg_dump") and shutil.which("pg_restore")), reason="needs postgresql-client"
)


@pytest.fixture
def databases():
    for name in (SOURCE, RESTORED):
        pg.drop(name)
    yield
    for name in (SOURCE, RESTORED):
        pg.drop(name)


@pytest.mark.postgres
@pg.requires_postgres()
@needs_pg_tools
def test_pg_dump_and_pg_restore_keep_the_ledger_balances_and_its_guard(databases, tmp_path):
    pg.run(["createdb", *pg.server_args(), SOURCE])
    pg.manage(SOURCE, "migrate", "--noinput", media=tmp_path)
    pg.manage(SOURCE, "seed_demo", "--staff", str(STAFF), "--quiet", media=tmp_path)
    ledger = pg.ledger_fingerprint(SOURCE)
    tables = pg.data_table_counts(SOURCE)
    assert ledger[0] > 1000, "the seed should have posted credits"

    dump = tmp_path / "fazhi.dump"
    started = time.monotonic()
    pg.run(["pg_dump", "--format=custom", f"--dbname={pg.url(SOURCE)}", f"--file={dump}"])
    dumped = time.monotonic() - started
    pg.run(["createdb", *pg.server_args(), RESTORED])
    started = time.monotonic()
    pg.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={pg.url(RESTORED)}", str(dump)])
    restored = time.monotonic() - started
    print(
        f"\n{ledger[0]} ledger rows; dump {dump.stat().st_size / 1e6:.1f} MB in {dumped:.1f} s, restore {restored:.1f} s"
    )

    assert pg.ledger_fingerprint(RESTORED) == ledger
    assert pg.data_table_counts(RESTORED) == tables
    assert pg.balance_mismatches(RESTORED) == 0
    refusals = pg.ledger_refuses_rewrites(RESTORED)
    assert all("append-only" in r for r in refusals) and len(refusals) == 2
    assert pg.ledger_fingerprint(RESTORED) == ledger
    # The checks the README has the operator run against the restored database.
    assert "余额与台账一致" in pg.manage(RESTORED, "rebuild_balances", "--check", media=tmp_path).stdout
    pg.manage(RESTORED, "migrate", "--check", media=tmp_path)
    # New rows continue after the restored ones (the sequences came along).
    with psycopg.connect(pg.url(RESTORED)) as conn:
        last_value, max_id = conn.execute(
            "SELECT (SELECT last_value FROM learning_ledgerentry_id_seq), (SELECT max(id) FROM learning_ledgerentry)"
        ).fetchone()
    assert last_value >= max_id


def test_tar_of_media_and_private_media_restores_both(tmp_path):
    media, private = tmp_path / "srv" / "media", tmp_path / "srv" / "private_media"
    files = {
        media / "original_images" / "宪法宣传.png": b"\x89PNG image",
        media / "documents" / "讲义.pdf": b"%PDF lecture notes",
        private / "certificates" / "2025" / "KS-2025-AN-000001.pdf": b"%PDF certificate",
        private / "bulk" / "job-1.zip": b"PK zip",
        private / "seal" / "seal.png": b"\x89PNG seal",
    }
    for path, content in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    archive = tmp_path / "fazhi-files.tar.gz"

    pg.run(["tar", "--create", "--gzip", "--absolute-names", f"--file={archive}", str(media), str(private)])
    shutil.rmtree(tmp_path / "srv")
    pg.run(["tar", "--extract", "--gzip", "--absolute-names", f"--file={archive}"], cwd=Path("/"))

    assert {path: path.read_bytes() for path in files} == files
    with tarfile.open(archive) as tar:
        assert len([m for m in tar.getmembers() if m.isfile()]) == len(files)
