"""Helpers shared by the benchmarks: a scratch PostgreSQL database per benchmark."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parents[1]


def base_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("benchmarks run against PostgreSQL: set DATABASE_URL=postgres://user@host:port/db")
    return url


def scratch_database(suffix: str, *, keep: bool = False) -> tuple[str, bool] | str:
    """Create (or recreate) an empty database next to DATABASE_URL's and return its URL.

    With ``keep``, an existing database of that name is left as it is and the
    result is ``(url, existed)``: a benchmark whose seed takes minutes can be
    re-timed on the data it seeded before.
    """
    import psycopg

    parsed = urlparse(base_database_url())
    name = f"{parsed.path.lstrip('/') or 'fazhi'}_bench_{suffix}"
    admin = urlunparse(parsed._replace(scheme="postgresql", path="/postgres"))
    url = urlunparse(parsed._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if keep:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                return url, True
        else:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return (url, False) if keep else url


def manage(*args: str, database_url: str, settings: str = "config.settings.dev", env_extra=None) -> float:
    """Run a management command; return its wall-clock seconds."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": settings, **(env_extra or {})}
    started = time.perf_counter()
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def median_seconds(fn, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def emit(results: list[tuple[str, object]]) -> None:
    for name, value in results:
        if isinstance(value, float):
            value = f"{value:.3f}"
        print(f"{name}: {value}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(server: subprocess.Popen, port: int, *, seconds: float = 30) -> subprocess.Popen:
    """Return ``server`` once it accepts connections on ``port``; kill it and fail with its stderr if it never does."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise RuntimeError("server did not start: " + server.stderr.read().decode()[-2000:])


def stop_server(server: subprocess.Popen) -> None:
    """Stop a server started with ``start_new_session=True`` and its workers (TERM, then KILL after 15 s)."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def signed_in_client(user):
    """``force_login`` plus the records allauth writes on a password (+ TOTP) sign-in (as tests/auth.py does): past the second-factor check."""
    from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
    from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
    from allauth.mfa.models import Authenticator
    from django.test import Client

    client = Client()
    client.force_login(user)
    now = time.time()
    records = [{"method": "password", "at": now, "username": user.employee_no}]
    totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if totp is not None:
        records.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client
