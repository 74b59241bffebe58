"""Guard rails of the live system: no demo tooling, no DEBUG, and a Content-Security-Policy.

The production cases run ``manage.py`` in a subprocess with config.settings.production and a
clean environment (only what the test sets), as on a server.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]
SITE_DIRECTIVES = {
    "default-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data: blob:",
    "font-src": "'self' data:",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "frame-ancestors": "'none'",
    "form-action": "'self'",
    "base-uri": "'self'",
    "object-src": "'none'",
}
PRODUCTION_ENV = {
    "SECRET_KEY": "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3,
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "ALLOWED_HOSTS": "fazhi.example.cn",
}


def _manage_in_production(*args, **env_extra):
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "PYTHONIOENCODING": "utf-8"}
    env.update(PRODUCTION_ENV, **env_extra)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=120,
    )


@pytest.mark.parametrize("command", [["seed_demo", "--staff", "0", "--quiet"], ["demo_totp", "demo_hr"]])
def test_demo_commands_refuse_to_run_under_production_settings(command):
    result = _manage_in_production(*command)
    assert result.returncode != 0
    assert f"生产环境禁止运行 {command[0]}：演示账号的密码和两步验证密钥是公开的。" in result.stderr


def test_demo_totp_still_runs_outside_production():
    with pytest.raises(CommandError, match="不是需要两步验证的演示账号"):
        call_command("demo_totp", "nobody")


def test_production_refuses_debug():
    result = _manage_in_production("check", DEBUG="true")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "生产环境不允许开启 DEBUG：请删除环境变量 DEBUG 或将其设为 false" in result.stderr


def test_production_starts_with_debug_false():
    result = _manage_in_production("check", DEBUG="false")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def _policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return dict(part.strip().split(" ", 1) for part in header.split(";"))


@pytest.mark.django_db
def test_pages_send_the_site_policy_with_this_requests_nonce(client_for, learner):
    response = client_for(learner).get("/")
    assert response.status_code == 200
    policy = _policy(response)
    nonce = re.search(r'<script [^>]*nonce="([^"]+)"', response.content.decode()).group(1)
    assert policy.pop("script-src") == f"'self' 'nonce-{nonce}'"
    assert policy == SITE_DIRECTIVES
    second = client_for(learner).get("/")
    assert f"'nonce-{nonce}'" not in second.headers["Content-Security-Policy"]


@pytest.mark.django_db
def test_public_pages_send_the_policy_too(client):
    policy = _policy(client.get("/verify/"))
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"


@pytest.mark.django_db
def test_wagtail_admin_relaxes_only_scripts_styles_and_framing(client_for, trainer):
    response = client_for(trainer).get("/cms/")
    assert response.status_code == 200
    policy = _policy(response)
    # Inline scripts and styles of Wagtail's own templates; its preview is framed by the editor.
    assert policy.pop("script-src") == "'self' 'unsafe-inline'"
    assert policy.pop("style-src") == "'self' 'unsafe-inline'"
    assert policy.pop("frame-ancestors") == "'self'"
    expected = {k: v for k, v in SITE_DIRECTIVES.items() if k not in ("style-src", "frame-ancestors")}
    assert policy == expected


@pytest.mark.django_db
def test_django_admin_keeps_the_site_policy(client_for, admin_user):
    policy = _policy(client_for(admin_user).get("/admin/"))
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
