"""A real OpenID Connect provider for the single sign-on tests: npm's ``oidc-provider`` under Node.js.

``oidc_provider`` (session fixture) installs the pinned package with ``npm ci`` into
``tests/accounts/oidc_provider/node_modules`` when it is missing or not the pinned version, runs
``provider.js`` on a free port, waits for its discovery document and stops it at the end.
Without node/npm the tests are skipped, except in CI (``CI=true``), where they fail.
``sso_settings`` points ``OIDC_*`` at it; ``through_provider`` walks the authorization-code flow
with an HTTP client: our button (the Django test client) → the provider's sign-in page
(``requests``) → our callback (the Django test client).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from tests.services import require

PROVIDER_DIR = Path(__file__).resolve().parent / "oidc_provider"
CLIENT_ID = "fazhi-test"
CLIENT_SECRET = "fazhi-test-secret"
LOGIN_PATH = "/accounts/oidc/gov/login/"
CALLBACK_PATH = "/accounts/oidc/gov/login/callback/"


def require_node() -> tuple[str, str]:
    """node and npm; without them the test is skipped, except in CI (CI=true), where it fails."""
    node, npm = shutil.which("node"), shutil.which("npm")
    require(node and npm, "Node.js and npm are not installed (apt-get install nodejs npm)")
    return node, npm


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pinned_version() -> str:
    return json.loads((PROVIDER_DIR / "package.json").read_text())["dependencies"]["oidc-provider"]


def _installed_version() -> str | None:
    installed = PROVIDER_DIR / "node_modules" / "oidc-provider" / "package.json"
    return json.loads(installed.read_text())["version"] if installed.is_file() else None


def install(npm: str) -> None:
    """``npm ci`` from the lock file, only when node_modules lacks the pinned version."""
    if _installed_version() == _pinned_version():
        return
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0 or _installed_version() != _pinned_version():
        raise RuntimeError(f"npm ci failed in {PROVIDER_DIR}:\n{result.stdout}\n{result.stderr}")


class OidcProvider:
    def __init__(self, workdir: Path):
        self.node, self.npm = require_node()
        self.workdir = workdir
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> OidcProvider:
        install(self.npm)
        log_path = self.workdir / "oidc-provider.log"
        env = {
            **os.environ,
            "PORT": str(self.port),
            "CLIENT_ID": CLIENT_ID,
            "CLIENT_SECRET": CLIENT_SECRET,
            "CALLBACK_PATH": CALLBACK_PATH,
        }
        with log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [self.node, "provider.js"], cwd=PROVIDER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                answer = requests.get(f"{self.issuer}/.well-known/openid-configuration", timeout=2)
                if answer.status_code == 200 and answer.json()["issuer"] == self.issuer:
                    return self
            except requests.RequestException:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("oidc-provider did not start:\n" + log_path.read_text(errors="replace"))
            time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    provider = OidcProvider(tmp_path_factory.mktemp("oidc")).start()
    yield provider
    provider.stop()


@pytest.fixture
def sso_settings(settings, oidc_provider):
    """Single sign-on switched on against the test provider, as an administrator would set the environment."""
    settings.OIDC_SERVER_URL = oidc_provider.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_TOKEN_AUTH_METHOD = "client_secret_basic"
    settings.OIDC_SCOPES = ["openid", "profile", "staff"]
    settings.OIDC_EMPLOYEE_NO_CLAIM = "employee_no"
    settings.OIDC_MFA_AMR_VALUES = ["mfa", "otp", "hwk"]
    settings.OIDC_DISPLAY_NAME = ""
    settings.OIDC_LOGIN_LABEL = ""
    return settings


@dataclass
class Flow:
    authorize_url: str  # where our button sent the browser
    callback_url: str | None  # where the provider sent it back
    response: object  # our answer to the callback (Django test response)

    @property
    def authorize_params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.authorize_url).query).items()}


def start(client, *, next_url: str | None = None, process: str = "login") -> str:
    """Press our button: POST to allauth's provider login; returns the provider's authorization URL."""
    query = f"?process={process}" + (f"&next={next_url}" if next_url else "")
    response = client.post(LOGIN_PATH + query)
    assert response.status_code == 302, response
    return response["Location"]


def through_provider(client, account: str, *, next_url: str | None = None, process: str = "login") -> Flow:
    """The whole authorization-code flow for the provider's ``account`` (see provider.js ACCOUNTS)."""
    authorize_url = start(client, next_url=next_url, process=process)
    browser = requests.Session()
    url = authorize_url
    for _ in range(12):
        answer = browser.get(url, allow_redirects=False, timeout=10)
        if answer.status_code == 200 and "<form" in answer.text:
            action = urljoin(url, answer.text.split('action="', 1)[1].split('"', 1)[0])
            answer = browser.post(action, data={"login": account}, allow_redirects=False, timeout=10)
        assert answer.status_code in (302, 303), (answer.status_code, answer.text[:500])
        url = urljoin(url, answer.headers["Location"])
        if url.startswith("http://testserver/"):
            break
    else:
        raise AssertionError("the provider never sent the browser back")
    parts = urlsplit(url)
    assert parts.path == CALLBACK_PATH, url
    return Flow(authorize_url=authorize_url, callback_url=url, response=client.get(f"{parts.path}?{parts.query}"))
