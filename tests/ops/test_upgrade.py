"""Upgrading from the release production runs is ``migrate``, and it keeps the data.

The previous release's code (from git history) builds and seeds a database; the current
code migrates it. The ledger must be row-for-row the same, every row of our tables still
there, the balances still equal to the ledger, the ledger guard in place, and a signed-in
page must render from the upgraded database.
"""

import json
import shutil
import subprocess
import tarfile
import time

import pytest

from . import scratch_db as pg

# The previous landing, what production runs today ("Filter forms share one 'keep the valid
# fields' rule"). Move it forward with each release.
PREVIOUS_RELEASE = "eb82cd7a4ea7e3698888200838c1b8d234dd040c"
DATABASE = "fazhi_bak_up"
STAFF = 20

# Tables a migration of this release empties into another on purpose: old table -> new home.
MOVED = {"learning_bulkissuejob": "jobs_job"}

# What the seed does not make but a production database has: a finished bulk issue (moved to jobs.Job).
PRODUCTION_EXTRAS = """
from django.utils import timezone
from accounts.models import OrgUnit, User
from learning.models import BulkIssueJob
BulkIssueJob.objects.create(
    requested_by=User.objects.filter(is_superuser=True).order_by("pk").first() or User.objects.order_by("pk").first(),
    year=timezone.now().year - 1, unit=OrgUnit.objects.order_by("path").first(), status="done", total=3, done=3,
    finished_at=timezone.now(),
)
"""

SIGNED_IN_PAGE = """
import json
from allauth.mfa.models import Authenticator
from django.test import Client
from django.urls import reverse
from accounts.models import User
learner = (
    User.objects.filter(groups__isnull=True, is_staff=False, is_active=True, ledger_entries__isnull=False)
    .exclude(pk__in=Authenticator.objects.values("user_id"))
    .order_by("pk")
    .first()
)
client = Client(raise_request_exception=True)
client.force_login(learner)
response = client.get(reverse("learning:my_hours"))
print(json.dumps({"status": response.status_code, "name_shown": learner.full_name in response.content.decode()}))
"""


def _previous_release_present() -> bool:
    if not shutil.which("git"):
        return False
    found = subprocess.run(
        ["git", "-C", str(pg.ROOT), "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], capture_output=True
    )
    return found.returncode == 0


pytestmark = [
    pytest.mark.postgres,
    pg.requires_postgres(),
    pytest.mark.skipif(
        not _previous_release_present(),
        reason=f"previous release {PREVIOUS_RELEASE[:7]} is not in this clone's history (shallow clone? "
        "git fetch --unshallow)",
    ),
]


@pytest.fixture
def database():
    pg.drop(DATABASE)
    yield DATABASE
    pg.drop(DATABASE)


@pytest.fixture
def previous_release(tmp_path):
    archive = tmp_path / "previous.tar"
    pg.run(["git", "-C", str(pg.ROOT), "archive", f"--output={archive}", PREVIOUS_RELEASE])
    code = tmp_path / "previous"
    with tarfile.open(archive) as tar:
        tar.extractall(code, filter="data")
    return code


def test_previous_release_upgrades_by_migrate_with_its_data_intact(database, previous_release, tmp_path):
    started = time.monotonic()
    pg.run(["createdb", *pg.server_args(), database])
    pg.manage(database, "migrate", "--noinput", code=previous_release, media=tmp_path)
    pg.manage(database, "seed_demo", "--staff", str(STAFF), "--quiet", code=previous_release, media=tmp_path)
    pg.manage(database, "shell", "-c", PRODUCTION_EXTRAS, code=previous_release, media=tmp_path)
    built = time.monotonic()
    ledger = pg.ledger_fingerprint(database)
    tables = pg.data_table_counts(database)
    assert ledger[0] > 500, "the previous release's seed should have posted credits"

    pg.manage(database, "migrate", "--noinput", media=tmp_path)
    print(
        f"\nprevious release built and seeded in {built - started:.0f} s, migrated in {time.monotonic() - built:.0f} s"
    )

    assert pg.ledger_fingerprint(database) == ledger
    after = pg.data_table_counts(database)
    kept = {t: n for t, n in tables.items() if t not in MOVED}
    assert {t: after.get(t) for t in kept} == kept, "rows of our tables changed or a table went missing"
    for old, new in MOVED.items():
        if old in tables and old not in after:
            assert after[new] >= tables[old] + tables.get(new, 0), f"rows of {old} did not reach {new}"
    assert pg.balance_mismatches(database) == 0
    assert "余额与台账一致" in pg.manage(database, "rebuild_balances", "--check", media=tmp_path).stdout
    pg.manage(database, "migrate", "--check", media=tmp_path)
    pg.manage(database, "check", media=tmp_path)
    assert len(pg.ledger_refuses_rewrites(database)) == 2
    page = json.loads(
        pg.manage(database, "shell", "-c", SIGNED_IN_PAGE, media=tmp_path).stdout.strip().splitlines()[-1]
    )
    assert page == {"status": 200, "name_shown": True}
