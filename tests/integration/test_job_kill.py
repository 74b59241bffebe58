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
from jobs import services
from jobs.models import Job
from learning import timeutil
from learning.certificates.jobs import KIND
from learning.models import Certificate
from tests.conftest import enable_totp
from tests.factories import UserFactory
from tests.learning.certificate_helpers import make_compliant, private_media  # noqa: F401

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
        from learning.certificates.receivers import issue_when_requirement_met

        hours_posted.connect(issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met")
    assert not Certificate.objects.exists()

    db = connection.settings_dict
    queue = f"test-kill-{uuid.uuid4().hex[:8]}"
    env = {
        "DJANGO_SETTINGS_MODULE": "tests.integration.worker_settings",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "TEST_CELERY_QUEUE": queue,
        "TEST_PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT),
        "TEST_JOBS_STALE_AFTER_SECONDS": str(STALE_SECONDS),
        "TEST_CHUNK_DELAY_SECONDS": "0.5",  # 30 chunks on 2 processes: at least 7 s of work to interrupt
    }
    log = tmp_path / "worker.log"
    settings.JOBS_STALE_AFTER_SECONDS = STALE_SECONDS
    saved = {key: app.conf[key] for key in ("task_always_eager", "task_routes")}
    app.conf.task_always_eager = False  # this process sends to the real broker, on the test's queue
    app.conf.task_routes = {"jobs.tasks.*": {"queue": queue}}
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
        page = ""
        while time.monotonic() < killed_at + 240:
            page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()  # looking notices a stall
            job.refresh_from_db()
            if not job.is_active:
                break
            time.sleep(1)
        recovery = time.monotonic() - killed_at
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
