"""What production settings hand to Django: persistent connections, a forgiving Redis cache, timeouts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3,
    "ALLOWED_HOSTS": "fazhi.example.cn",
    "CACHE_URL": "redis://127.0.0.1:6379/1",
}
PRINT = """
import json
from django.conf import settings
print(json.dumps({
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
    "conn_health_checks": settings.DATABASES["default"].get("CONN_HEALTH_CHECKS"),
    "top_level_conn_max_age": hasattr(settings, "CONN_MAX_AGE"),
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "email_timeout": settings.EMAIL_TIMEOUT,
    "ssl_exempt": settings.SECURE_REDIRECT_EXEMPT,
}))
"""


def _production_settings(**env_extra) -> dict:
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", **PRODUCTION, **env_extra}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PRINT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_keeps_database_connections_for_a_minute_and_checks_them():
    values = _production_settings(DATABASE_URL="postgres://fazhi@127.0.0.1:5432/fazhi")
    assert values["conn_max_age"] == 60
    assert values["conn_health_checks"] is True
    assert values["top_level_conn_max_age"] is False  # Django ignores a top-level CONN_MAX_AGE


def test_conn_max_age_comes_from_the_environment():
    assert _production_settings(CONN_MAX_AGE="0")["conn_max_age"] == 0


def test_a_redis_cache_url_gets_the_forgiving_backend_and_mail_a_timeout():
    values = _production_settings(CACHE_URL="redis://127.0.0.1:6379/1", EMAIL_TIMEOUT="7")
    assert values["cache_backend"] == "core.cache.ForgivingRedisCache"
    assert values["email_timeout"] == 7
    assert values["ssl_exempt"] == [r"^health/$"]
