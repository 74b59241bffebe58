"""A task runs through a real Celery worker over the real broker (Redis in CI)."""

import datetime as dt
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery
from django.conf import settings
from django.db import connection

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def _broker() -> str:
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith(("redis://", "amqp://")):
        pytest.skip("需要真实的消息代理：设置 CELERY_BROKER_URL（.ci/run 使用 Redis）")
    if connection.vendor != "postgresql":
        pytest.skip("worker 需要与测试共享数据库：设置 DATABASE_URL 为 PostgreSQL")
    return broker


@pytest.mark.django_db(transaction=True)
def test_task_runs_on_a_real_worker(org_tree):
    broker = _broker()
    departed = UserFactory(org_unit=org_tree["pref"], left_on=dt.date(2020, 1, 1))
    staying = UserFactory(org_unit=org_tree["pref"])
    db = connection.settings_dict
    database_url = (
        f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {  # only what the worker needs: the test's database and the real broker
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-P",
            "solo",
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
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        sender = Celery(broker=broker, backend=broker, set_as_current=False)  # the project app stays current
        result = sender.send_task("accounts.tasks.deactivate_departed_staff", queue=queue)
        assert result.get(timeout=90) == 1
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    departed.refresh_from_db()
    staying.refresh_from_db()
    assert not departed.is_active, output
    assert staying.is_active
