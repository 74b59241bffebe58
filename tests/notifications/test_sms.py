"""The SMS backends: the interface, the console and test backends, and the HTTP gateway backend against a real server."""

from __future__ import annotations

import json
import logging
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from notifications import sms


@pytest.fixture
def gateway():
    """A local SMS gateway: records each request and answers with ``gateway.status``."""
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        status = 200

        def do_POST(self):
            length = int(self.headers["Content-Length"])
            received.append(
                {
                    "body": json.loads(self.rfile.read(length)),
                    "auth": self.headers.get("Authorization"),
                    "type": self.headers.get("Content-Type"),
                }
            )
            self.send_response(server.status)
            self.end_headers()
            self.wfile.write(b'{"ok": true}')

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.status = 200
    server.received = received
    server.url = f"http://127.0.0.1:{server.server_port}/sms/send"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()


def test_the_configured_backend_is_loaded_from_its_dotted_path(settings):
    assert isinstance(sms.get_backend(), sms.LocmemSmsBackend)  # the test settings
    settings.NOTIFICATIONS_SMS_BACKEND = "notifications.sms.ConsoleSmsBackend"
    assert isinstance(sms.get_backend(), sms.ConsoleSmsBackend)


def test_the_test_backend_collects_messages(sms_outbox):
    sms.LocmemSmsBackend().send("13800000001", "明日培训：行政处罚法")
    assert sms_outbox == [sms.SmsMessage("13800000001", "明日培训：行政处罚法")]


def test_the_console_backend_logs_the_text_with_the_number_masked(caplog):
    with caplog.at_level(logging.INFO, logger="fazhi.sms"):
        sms.ConsoleSmsBackend().send("13812345678", "考试即将截止")
    assert "138****5678" in caplog.text and "考试即将截止" in caplog.text and "13812345678" not in caplog.text


def test_the_gateway_backend_posts_json_with_the_token_and_signature(gateway, settings):
    settings.NOTIFICATIONS_SMS_URL = gateway.url
    settings.NOTIFICATIONS_SMS_TOKEN = "s3cret"
    settings.NOTIFICATIONS_SMS_SIGN = "【法治学堂】"
    sms.HttpSmsBackend().send("13800000001", "明日培训：行政处罚法")
    assert gateway.received == [
        {
            "body": {"phone": "13800000001", "text": "明日培训：行政处罚法", "sign": "【法治学堂】"},
            "auth": "Bearer s3cret",
            "type": "application/json; charset=utf-8",
        }
    ]


@pytest.mark.parametrize(("status", "permanent"), [(400, True), (404, True), (503, False)])
def test_a_refusal_says_whether_a_retry_can_help(gateway, status, permanent):
    gateway.status = status
    with pytest.raises(sms.SmsError) as caught:
        sms.HttpSmsBackend(url=gateway.url, token="", sign="", timeout=5).send("13800000001", "x")
    assert caught.value.permanent is permanent


def test_an_unreachable_gateway_is_a_temporary_error():
    with pytest.raises(sms.SmsError) as caught:
        sms.HttpSmsBackend(url="http://127.0.0.1:9/", token="", sign="", timeout=2).send("13800000001", "x")
    assert caught.value.permanent is False


def test_a_gateway_address_that_is_not_http_is_refused():
    with pytest.raises(sms.SmsError, match="http"):
        sms.HttpSmsBackend(url="file:///etc/passwd", token="", sign="", timeout=2)
