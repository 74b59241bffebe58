"""Production settings refuse to start unconfigured and pass ``check --deploy``."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args, env_extra):
    # A clean environment: only what the test sets, as on a server where nothing else is configured.
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", **env_extra}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", env_extra={"ALLOWED_HOSTS": "fazhi.example.cn"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", env_extra={"SECRET_KEY": "x" * 64})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_passes_check_deploy_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_extra={
            "SECRET_KEY": "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3,
            "ALLOWED_HOSTS": "fazhi.example.cn",
            "CACHE_URL": "redis://127.0.0.1:6379/1",
        },
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_refuses_a_cache_each_process_keeps_for_itself():
    key = "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3
    for cache in (None, "locmemcache://"):
        env = {"SECRET_KEY": key, "ALLOWED_HOSTS": "fazhi.example.cn"} | ({"CACHE_URL": cache} if cache else {})
        result = _manage("check", env_extra=env)
        assert result.returncode != 0
        assert "CACHE_URL" in result.stderr
