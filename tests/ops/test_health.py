"""/health/: 200 when everything answers, 503 naming what does not; open to monitors without a session."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory
from tests.ops.scratch_db import TOOL_PATH

ROOT = Path(__file__).resolve().parents[2]
NOT_APPLICABLE = "不适用"
PROBE = """
import json, time
import django
django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
start = time.monotonic()
response = Client().get("/health/", HTTP_ACCEPT="application/json")
print(json.dumps({"status": response.status_code, "checks": response.json(), "seconds": time.monotonic() - start}))
"""
DEAD = "127.0.0.1:1"  # nothing listens on port 1


def _probe(tmp_path, **env_extra) -> dict:
    """GET /health/ in a fresh process whose settings come from ``env_extra`` (as on a server)."""
    env = {
        "PATH": TOOL_PATH,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}",
        **env_extra,
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def _failing(checks: dict) -> dict:
    return {name: status for name, status in checks.items() if status.startswith(("Unavailable", "Unexpected"))}


@pytest.mark.django_db
def test_healthy_embedded_mode_answers_200_with_broker_and_worker_not_applicable(client):
    response = client.get(reverse("health"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    checks = response.json()
    assert checks["Database(alias='default')"] == "OK"
    assert checks["Cache(alias='default')"] == "OK"
    assert checks["Storage(alias='default')"] == "OK"
    assert checks["PrivateStorage(alias='private')"] == "OK"
    assert checks["Broker()"].startswith(NOT_APPLICABLE)
    assert checks["Worker()"].startswith(NOT_APPLICABLE)
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.django_db
def test_without_json_accept_the_answer_is_a_plain_page(client):
    response = client.get(reverse("health"), HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert "Database(alias='default'): OK" in response.content.decode()


@pytest.mark.django_db
def test_health_is_open_to_a_privileged_session_that_has_not_given_its_second_factor(client, org_tree):
    hr = UserFactory(org_unit=org_tree["pref"], roles=[Role.HR])
    client.force_login(hr)  # no TOTP records in this session: every other page asks for the second factor
    assert client.get(reverse("health"), HTTP_ACCEPT="application/json").status_code == 200


@pytest.mark.django_db
def test_health_check_is_cheap(client):
    client.get(reverse("health"))
    start = time.monotonic()
    assert client.get(reverse("health"), HTTP_ACCEPT="application/json").status_code == 200
    assert time.monotonic() - start < 0.5


def test_database_on_a_dead_port_answers_503_naming_the_database(tmp_path):
    result = _probe(tmp_path, DATABASE_URL=f"postgres://postgres@{DEAD}/fazhi_ops_dead")
    assert result["status"] == 503
    assert list(_failing(result["checks"])) == ["Database(alias='default')"]


def test_cache_on_a_dead_port_answers_503_naming_the_cache(tmp_path):
    result = _probe(tmp_path, CACHE_URL=f"redis://{DEAD}/0")
    assert result["status"] == 503
    assert list(_failing(result["checks"])) == ["Cache(alias='default')"]


def test_broker_on_a_dead_port_answers_503_naming_the_broker_quickly(tmp_path):
    result = _probe(tmp_path, CELERY_TASK_ALWAYS_EAGER="false", CELERY_BROKER_URL=f"redis://{DEAD}/0")
    assert result["status"] == 503
    failing = _failing(result["checks"])
    assert set(failing) == {"Broker()", "Worker()"}
    assert "broker" in failing["Broker()"]
    assert result["seconds"] < 5


@pytest.mark.integration
def test_with_a_worker_per_queue_all_is_well_and_a_missing_bulk_worker_is_named(tmp_path, own_redis):
    broker = f"{own_redis.url}/0"
    env = {"PATH": TOOL_PATH, "CELERY_TASK_ALWAYS_EAGER": "false", "CELERY_BROKER_URL": broker}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'probe.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    celery = [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "--loglevel=WARNING"]
    default = subprocess.Popen([*celery, "-Q", "default", "-n", "default@%h"], cwd=ROOT, env=env)
    try:
        result = _wait_for(lambda: _probe(tmp_path, CELERY_TASK_ALWAYS_EAGER="false", CELERY_BROKER_URL=broker))
        assert result["status"] == 503
        assert result["checks"]["Worker()"] == "Unavailable: No worker for Celery queue bulk"
        bulk = subprocess.Popen([*celery, "-Q", "bulk", "-n", "bulk@%h"], cwd=ROOT, env=env)
        try:
            result = _wait_for(
                lambda: _probe(tmp_path, CELERY_TASK_ALWAYS_EAGER="false", CELERY_BROKER_URL=broker), status=200
            )
            assert set(result["checks"].values()) == {"OK"}
            assert result["seconds"] < 2.5
        finally:
            bulk.terminate()
            bulk.wait(timeout=30)
    finally:
        default.terminate()
        default.wait(timeout=30)


def _wait_for(probe, *, status=503, seconds=40):
    """Workers take a few seconds to start; probe until the expected state (or give the last answer)."""
    deadline = time.monotonic() + seconds
    while True:
        result = probe()
        worker = result["checks"]["Worker()"]
        started = worker != "Unavailable: Celery workers unavailable"
        if (started and result["status"] == status) or time.monotonic() > deadline:
            return result
        time.sleep(1)
