"""Invariant 9: a background job killed half-way finishes, on restart, with exactly one result per person.

A real worker (prefork, in its own process group) runs a bulk certificate
issue in small chunks; the whole group is SIGKILLed mid-run; a new worker is
started. The chunks the dead worker held are never acknowledged: the job's
stale check (run here by looking at the progress page, in production also by
beat every minute) re-enqueues the chunks not yet counted, and the job ends
with one certificate per person, no duplicate serials, and a page that says
what happened.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from accounts.models import Role
from certificates.jobs import KIND
from certificates.models import Certificate
from core import timeutil
from jobs import services
from jobs.models import Job
from tests.certificates.helpers import make_compliant, private_media  # noqa: F401
from tests.conftest import enable_totp
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("private_media")]
PEOPLE = 300
CHUNK = 10
YEAR = timeutil.current_year()
STALE_SECONDS = 10


def _broker() -> str:
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "amqp://")):
        pytest.skip("需要真实的消息代理：设置 CELERY_BROKER_URL（.ci/run 使用 Redis）")
    if connection.vendor != "postgresql":
        pytest.skip("worker 需要与测试共享数据库：设置 DATABASE_URL 为 PostgreSQL")
    return broker


def _worker_env(broker: str, queue: str, settings, *, chunk_delay: str = "0") -> dict:
    db = connection.settings_dict
    return {
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "TEST_CELERY_QUEUE": queue,
        "TEST_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "TEST_JOBS_STALE_AFTER_SECONDS": str(STALE_SECONDS),
        "TEST_CHUNK_DELAY_SECONDS": chunk_delay,
    }


def _watch_until_done(client, job: Job, killed_at: float) -> float:
    """Look at the job's page until the job ends (looking notices a stall); seconds since the kill."""
    while time.monotonic() < killed_at + 240:
        client.get(reverse("jobs:detail", args=[job.pk]))
        job.refresh_from_db()
        if not job.is_active:
            break
        time.sleep(1)
    return time.monotonic() - killed_at


def _send_to(app, queue: str) -> dict:
    """Make this process send job tasks to the real broker, on the test's queue; returns what to restore.

    ``conf.update`` (not attribute assignment) is what makes Celery rebuild its cached router.
    """
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_routes")}
    app.conf.update(task_always_eager=False, task_routes={"jobs.tasks.*": {"queue": queue}})
    return saved


def _start_worker(env: dict, queue: str, log: Path) -> subprocess.Popen:
    handle = log.open("a")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "prefork",
            "-c",
            "2",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=handle,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: killpg reaches the pool's children too
    )


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


@pytest.mark.django_db(transaction=True)
def test_bulk_issue_killed_mid_run_finishes_with_one_certificate_per_person(org_tree, client_for, tmp_path, settings):
    from config.celery import app
    from learning.signals import hours_posted

    broker = _broker()
    hr = UserFactory(org_unit=org_tree["shache"], roles=[Role.HR])
    hr.scope_units.add(org_tree["shache"])
    enable_totp(hr)
    # Staff who met the requirement; the automatic per-person issue is switched off while they are made.
    hours_posted.disconnect(dispatch_uid="certificates_issue_when_requirement_met")
    try:
        people = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(PEOPLE)]
        for person in people:
            make_compliant(person, YEAR)
    finally:
        from certificates.receivers import issue_when_requirement_met

        hours_posted.connect(issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met")
    assert not Certificate.objects.exists()

    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = _worker_env(broker, queue, settings, chunk_delay="0.5")  # 30 chunks on 2 processes: at least 7 s to interrupt
    log = tmp_path / "worker.log"
    settings.JOBS_STALE_AFTER_SECONDS = STALE_SECONDS
    saved = _send_to(app, queue)
    worker = _start_worker(env, queue, log)
    second = None
    try:
        job = services.start_job(
            kind=KIND, requested_by=hr, parameters={"year": YEAR, "chunk_size": CHUNK}, scope_unit=org_tree["shache"]
        )
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.total and job.done >= job.total // 3:
                break
            assert worker.poll() is None, log.read_text()
            time.sleep(0.2)
        assert job.status == Job.Status.RUNNING and job.done < job.total, (
            f"no moment to kill: {job.status} {job.done}/{job.total}"
        )
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        killed_at = time.monotonic()
        done_at_kill = job.done
        second = _start_worker(env, queue, log)
        client = client_for(hr)
        recovery = _watch_until_done(client, job, killed_at)
    finally:
        app.conf.update(saved)
        _stop(worker)
        if second is not None:
            _stop(second)
    print(
        f"\nkilled at {done_at_kill}/{job.total}; finished {recovery:.1f} s after the kill "
        f"(stale threshold {STALE_SECONDS} s, resumes {job.resumes})"
    )
    assert job.status == Job.Status.DONE, (job.status, job.error, log.read_text()[-3000:])
    holders = list(Certificate.objects.values_list("holder_id", flat=True))
    assert sorted(holders) == sorted(p.pk for p in people)  # exactly one certificate per person
    serials = list(Certificate.objects.values_list("serial", flat=True))
    assert len(set(serials)) == len(serials) == PEOPLE
    assert not Certificate.objects.filter(pdf="").exists()
    assert job.done == job.total == PEOPLE and sorted(job.finished_chunks) == list(range(PEOPLE // CHUNK))
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()  # the page once the job is done
    assert job.resumes >= 1 and "工作进程中断，已自动恢复" in page
    assert "job-download" in page


IMPORT_ROWS = 20_000


def _staff_csv(rows: int) -> bytes:
    lines = ["单位,工号,姓名,人员类别,职务,执法证号"]
    unit = "喀什地区/莎车县/莎车县市场监督管理局"
    lines += [f"{unit},K{i:06d},王芳,执法人员,科员,6532{i:08d}" for i in range(1, rows + 1)]
    return ("\n".join(lines) + "\n").encode()


def _writing_users() -> bool:
    """Whether another session holds the insert lock on the user table: the import is inside its transaction."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE relation = 'accounts_user'::regclass "
            "AND mode = 'RowExclusiveLock' AND granted AND pid <> pg_backend_pid())"
        )
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_staff_import_killed_inside_its_transaction_finishes_with_one_row_per_person(
    org_tree, client_for, tmp_path, settings
):
    """SIGKILL while the import writes: the database drops the half-written transaction, the resumed job imports all."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import Credential, User
    from config.celery import app
    from directory.jobs import start_staff_import

    broker = _broker()
    admin = UserFactory(org_unit=org_tree["pref"], roles=[Role.ADMIN], is_staff=True, is_superuser=True)
    enable_totp(admin)
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = _worker_env(broker, queue, settings)
    log = tmp_path / "worker.log"
    settings.JOBS_STALE_AFTER_SECONDS = STALE_SECONDS
    saved = _send_to(app, queue)
    worker = _start_worker(env, queue, log)
    second = None
    try:
        upload = SimpleUploadedFile("staff.csv", _staff_csv(IMPORT_ROWS), content_type="text/csv")
        job = start_staff_import(upload=upload, actor=admin, create_units=False, dry_run=False, initial_password=None)
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not _writing_users():
            assert worker.poll() is None, log.read_text()
            time.sleep(0.02)
        job.refresh_from_db()
        assert job.status == Job.Status.RUNNING and job.done == 0, f"no moment to kill: {job.status} {job.error}"
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)
        killed_at = time.monotonic()
        time.sleep(1)  # the server notices the dead connection and rolls its transaction back
        people_after_kill = User.objects.filter(employee_no__startswith="K").count()
        second = _start_worker(env, queue, log)
        client = client_for(admin)
        recovery = _watch_until_done(client, job, killed_at)
    finally:
        app.conf.update(saved)
        _stop(worker)
        if second is not None:
            _stop(second)
    print(f"\nimport killed inside its transaction; finished {recovery:.1f} s after the kill (resumes {job.resumes})")
    assert people_after_kill == 0  # nothing of the killed attempt was committed
    assert job.status == Job.Status.DONE, (job.status, job.error, log.read_text()[-3000:])
    numbers = list(User.objects.filter(employee_no__startswith="K").values_list("employee_no", flat=True))
    assert len(numbers) == len(set(numbers)) == IMPORT_ROWS  # exactly one row per person
    assert Credential.objects.filter(holder__employee_no__startswith="K").count() == IMPORT_ROWS
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert job.resumes >= 1 and "工作进程中断，已自动恢复" in page
    assert f"导入成功：新增 {IMPORT_ROWS}，更新 0，未变 0" in page
