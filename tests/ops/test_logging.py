"""Structured logs: one line per request with its id, one per failed task; JSON in production, Sentry only with a DSN."""

import json
import logging
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery, shared_task
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from core.logging import JsonFormatter, KeyValueFormatter, RequestIdFilter, RequestLogMiddleware

ROOT = Path(__file__).resolve().parents[2]
FIELDS = ("request_id", "user_id", "method", "path", "status", "duration_ms")


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "fazhi.request"]


@pytest.fixture
def request_log(caplog):
    caplog.set_level(logging.INFO, logger="fazhi.request")
    return caplog


def test_a_request_writes_one_line_with_id_user_method_path_status_and_duration(client_for, learner, request_log):
    response = client_for(learner).get(reverse("learning:my_hours") + "?name=艾力·买买提&year=2025")

    assert response.status_code == 200
    [line] = request_lines(request_log)
    assert line.levelname == "INFO"
    assert re.fullmatch(r"[0-9a-f]{32}", line.request_id)
    assert response["X-Request-ID"] == line.request_id
    assert (line.user_id, line.method, line.path, line.status) == (str(learner.pk), "GET", "/learning/hours/", 200)
    assert isinstance(line.duration_ms, float) and line.duration_ms >= 0
    written = JsonFormatter().format(line)
    assert "\n" not in written
    entry = json.loads(written)
    assert {key: entry[key] for key in FIELDS} == {key: getattr(line, key) for key in FIELDS}
    assert (entry["level"], entry["logger"]) == ("INFO", "fazhi.request")
    # The query string (names, 工号 in filters) is never written.
    assert "艾力" not in written and "name=" not in written and "?" not in written


def test_an_anonymous_request_is_logged_with_a_dash_for_the_user(client, request_log):
    client.get(reverse("account_login"))

    [line] = request_lines(request_log)
    assert line.user_id == "-"
    assert line.path == reverse("account_login")


def test_the_proxy_request_id_is_reused(client, request_log):
    response = client.get(reverse("account_login"), headers={"X-Request-ID": "nginx-5f2c_01"})

    assert response["X-Request-ID"] == "nginx-5f2c_01"
    assert request_lines(request_log)[0].request_id == "nginx-5f2c_01"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc\r\nSet-Cookie: x=1", "abcSet-Cookiex1"),
        ("<script>alert(1)</script>", "scriptalert1script"),
        ("a" * 100, "a" * 64),
    ],
)
def test_an_incoming_request_id_is_cleaned_to_64_safe_characters(client, request_log, sent, kept):
    response = client.get(reverse("account_login"), headers={"X-Request-ID": sent})

    assert response["X-Request-ID"] == kept
    assert request_lines(request_log)[0].request_id == kept


def test_a_request_id_with_nothing_usable_is_replaced(client, request_log):
    response = client.get(reverse("account_login"), headers={"X-Request-ID": "  ;;; !!"})

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_slow_request_is_logged_at_warning(client, request_log, settings):
    settings.SLOW_REQUEST_MS = 0

    client.get(reverse("account_login"))

    [line] = request_lines(request_log)
    assert line.levelname == "WARNING"
    assert line.slow is True
    assert all(hasattr(line, key) for key in FIELDS)


def test_a_quick_request_is_not_slow(client, request_log, settings):
    settings.SLOW_REQUEST_MS = 60_000

    client.get(reverse("account_login"))

    [line] = request_lines(request_log)
    assert (line.levelname, line.slow) == ("INFO", False)


def test_records_written_during_a_request_carry_its_id():
    captured = []
    handler = logging.Handler()
    handler.emit = captured.append
    handler.addFilter(RequestIdFilter())
    view_logger = logging.getLogger("tests.ops.view")
    view_logger.addHandler(handler)
    view_logger.setLevel(logging.INFO)

    def view(request):
        view_logger.warning("inside the view")
        return HttpResponse("ok")

    try:
        request = RequestFactory().get("/x/", headers={"X-Request-ID": "req-42"})
        RequestLogMiddleware(view)(request)
        view_logger.warning("after the request")
    finally:
        view_logger.removeHandler(handler)

    inside, after = captured
    assert inside.request_id == "req-42"
    assert not hasattr(after, "request_id")


def test_text_format_is_key_value_on_one_line():
    record = logging.LogRecord("fazhi.request", logging.INFO, __file__, 1, "GET / 200 3ms", None, None)
    record.request_id, record.user_id, record.path = "abc", "-", "/课程 列表/"

    line = KeyValueFormatter().format(record)

    assert "INFO fazhi.request GET / 200 3ms" in line
    assert 'request_id=abc user_id=- path="/课程 列表/"' in line


def test_json_format_keeps_a_traceback_on_the_same_line():
    try:
        raise RuntimeError("数据库不可用")
    except RuntimeError:
        record = logging.LogRecord("django.request", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())

    written = JsonFormatter().format(record)

    assert "\n" not in written
    entry = json.loads(written)
    assert "RuntimeError: 数据库不可用" in entry["exc"]
    assert entry["level"] == "ERROR"


def test_objects_other_libraries_attach_to_records_are_left_out():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Internal Server Error: %s", ("/learning/hours/",), None
    )
    record.request = RequestFactory().get("/learning/hours/?name=艾力")  # Django's; its repr has the query
    record.data = {"args": ["aili@example.cn"]}  # Celery's trace records: the task's arguments
    record.status_code = 500

    for formatter in (JsonFormatter(), KeyValueFormatter()):
        written = formatter.format(record)
        assert "status_code" in written and "/learning/hours/" in written
        assert "艾力" not in written and "aili@" not in written


@shared_task(name="tests.ops.send_notice_and_fail")
def send_notice_and_fail(user_id: int, to: str, changes: dict) -> None:
    raise ValueError("邮件服务器拒绝")


def test_a_failing_task_is_logged_with_name_id_args_summary_and_exception(caplog):
    caplog.set_level(logging.INFO, logger="fazhi.task")

    # In-process, as a worker runs it. (With CELERY_TASK_EAGER_PROPAGATES the embedded mode hands
    # the exception to the caller instead, and the request that enqueued it logs the error.)
    result = send_notice_and_fail.apply(
        args=(7, "aili@example.cn"), kwargs={"changes": {"employee_no": ["KS001", "KS002"]}}, throw=False
    )

    assert result.failed()
    [line] = [r for r in caplog.records if r.name == "fazhi.task"]
    assert line.levelname == "ERROR"
    assert line.task == "tests.ops.send_notice_and_fail"
    assert re.fullmatch(r"[0-9a-f-]{36}", line.task_id)
    assert line.task_args == "(7, <str len=15>, changes=<dict len=1>)"
    assert line.exception == "ValueError: 邮件服务器拒绝"
    written = JsonFormatter().format(line)
    assert "ValueError" in json.loads(written)["exc"]
    # Arguments are summarised by type: no e-mail address or 工号 reaches the log.
    assert "aili@example.cn" not in written and "KS001" not in written


PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "k3$9-" + "q7Zp2vX8mN4bR6tY1wL0sD5fG" * 3,
    "CACHE_URL": "redis://127.0.0.1:6379/1",
    "ALLOWED_HOSTS": "fazhi.example.cn",
}
PROBE = """
import json, logging, django, sentry_sdk
django.setup()
from django.conf import settings
client = sentry_sdk.get_client()
logging.getLogger("fazhi.request").info("GET / 200 1ms", extra={"request_id": "r1", "status": 200})
print(json.dumps({
    "active": client.is_active(),
    "send_default_pii": client.options.get("send_default_pii"),
    "environment": client.options.get("environment"),
    "integrations": sorted(getattr(client, "integrations", {})),
}))
"""


def _probe_production(**env_extra):
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env={**PRODUCTION_ENV, **env_extra},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    log_line, probe = result.stdout.strip().splitlines()[-2:]
    return json.loads(log_line), json.loads(probe)


def test_production_logs_json_lines_to_stdout_and_has_no_sentry_without_a_dsn():
    log_line, probe = _probe_production()

    assert (log_line["logger"], log_line["request_id"], log_line["status"]) == ("fazhi.request", "r1", 200)
    assert probe["active"] is False


def test_production_starts_sentry_without_personal_data_when_a_dsn_is_set():
    _, probe = _probe_production(SENTRY_DSN="http://public@127.0.0.1:9/1", SENTRY_ENVIRONMENT="staging")

    assert probe["active"] is True
    assert probe["send_default_pii"] is False
    assert probe["environment"] == "staging"
    assert {"django", "celery"} <= set(probe["integrations"])


@pytest.mark.integration
def test_a_task_failing_on_a_real_worker_leaves_one_json_line(settings):
    broker = settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.skip("需要真实的消息代理：设置 CELERY_BROKER_URL（.ci/run 使用 Redis）")
    queue = f"test-{uuid.uuid4().hex[:8]}"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": broker,
        "LOG_FORMAT": "json",
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "solo", "-Q", queue]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        sender = Celery(broker=broker, backend=broker, set_as_current=False)  # the project app stays current
        # A task called with arguments it does not take fails inside the worker.
        result = sender.send_task("accounts.tasks.expire_credentials", args=[41, "KS001"], queue=queue)
        with pytest.raises(TypeError):
            result.get(timeout=90, disable_sync_subtasks=False)
    finally:
        worker.terminate()
        output = worker.communicate(timeout=30)[0]
    entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    [failure] = [e for e in entries if e["logger"] == "fazhi.task"]
    assert failure["task"] == "accounts.tasks.expire_credentials"
    assert failure["task_id"] == result.id
    assert failure["task_args"] == "(41, <str len=5>)"
    assert failure["exception"].startswith("TypeError")
    assert "KS001" not in output
