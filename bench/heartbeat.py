"""Heartbeat throughput against a bare authenticated JSON view, same server, same run.

A scratch PostgreSQL database gets one published course with one lesson and
``LEARNERS`` signed-in learners. gunicorn (gthread workers, persistent DB
connections) serves the project with the bench-only endpoint
``/learning/progress/bench-ping/`` switched on: a login-checked POST that parses
the same JSON and answers JSON — everything a heartbeat pays for except the
heartbeat's own work. A small load generator (processes × threads, keep-alive
connections, one learner per connection) then alternates the two endpoints for
``ROUNDS`` rounds of ``SECONDS`` seconds each; medians are reported and the
ratio heartbeat/bare is the figure to watch (target ≥ 0.5).

Each connection beats back to back, far more often than once a second, so most
beats credit no whole second and skip the progress increment; a real page beats
every 15 s and pays that one extra ``UPDATE`` each time.

Standalone: ``DATABASE_URL=postgres://… python bench/heartbeat.py``.
"""

from __future__ import annotations

import http.client
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, free_port, manage, scratch_database, stop_server, wait_for_port

SETTINGS = "bench.heartbeat_settings"
LEARNERS = 16
CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 4
SECONDS = 6.0
ROUNDS = 3
WORKERS = 2
WORKER_THREADS = 4


def _prepare_database(url: str) -> None:
    manage("migrate", "--noinput", database_url=url, settings=SETTINGS)


def _seed(url: str) -> dict:
    """One course, one lesson, signed-in learners: session and CSRF cookies for each."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS})
    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from wagtail.models import Locale, Page, Site

    from accounts.models import OrgUnit, User
    from cms.models import CoursePage, HomePage, LessonPage
    from cms.setup import ensure_course_index

    Locale.objects.get_or_create(language_code="zh-hans")
    if not HomePage.objects.exists():
        root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
        home = root.add_child(instance=HomePage(title="法治学堂", slug="home"))
        Site.objects.update_or_create(
            is_default_site=True, defaults={"hostname": "localhost", "port": 80, "root_page": home}
        )
    index = ensure_course_index()
    course = CoursePage(title="心跳压测课程", slug="bench-course", summary="压测", credit_hours=Decimal("1"))
    index.add_child(instance=course)
    course.save_revision().publish()
    lesson = LessonPage(title="心跳压测课时", slug="bench-lesson", min_study_seconds=3600, body=[])
    course.add_child(instance=lesson)
    lesson.save_revision().publish()
    unit = OrgUnit.add_root(name="压测单位", code="BENCH", kind=OrgUnit.Kind.PREFECTURE)
    clients = []
    for i in range(LEARNERS):
        user = User.objects.create_user(f"BENCH{i:04d}", "bench-pass-123", full_name=f"压测{i}", org_unit=unit)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        secret = _get_new_csrf_string()
        clients.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}; {settings.CSRF_COOKIE_NAME}={secret}",
                "csrf": _mask_cipher_secret(secret),
            }
        )
    return {"lesson": lesson.pk, "clients": clients}


def _start_server(url: str, settings: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": settings}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "gthread",
            "--threads",
            str(WORKER_THREADS),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    return wait_for_port(server, port)


def _client_loop(port: int, path: str, lesson: int, client: dict, stop_at: float, counts: list, errors: list) -> None:
    body = json.dumps({"lesson": lesson, "visible": True, "claim": False})
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Cookie": client["cookie"],
        "X-CSRFToken": client["csrf"],
    }
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = failed = 0
    while time.perf_counter() < stop_at:
        try:
            conn.request("POST", path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status == 200:
                done += 1
            else:
                failed += 1
        except (OSError, http.client.HTTPException):
            failed += 1
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.close()
    counts.append(done)
    errors.append(failed)


def _client_process(port: int, path: str, lesson: int, clients: list, seconds: float, queue) -> None:
    stop_at = time.perf_counter() + seconds
    counts: list[int] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client_loop, args=(port, path, lesson, c, stop_at, counts, errors)) for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((sum(counts), sum(errors)))


def _measure(port: int, path: str, lesson: int, clients: list) -> tuple[float, int]:
    """Requests per second over ``SECONDS`` with CLIENT_PROCESSES × THREADS_PER_PROCESS connections."""
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    per_process = [clients[i::CLIENT_PROCESSES][:THREADS_PER_PROCESS] for i in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    procs = [
        context.Process(target=_client_process, args=(port, path, lesson, chunk, SECONDS, queue))
        for chunk in per_process
    ]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = time.perf_counter() - started
    return sum(r[0] for r in results) / elapsed, sum(r[1] for r in results)


def run() -> list[tuple[str, object]]:
    url = scratch_database("heartbeat")
    _prepare_database(url)
    seeded = _seed(url)
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = _start_server(url, SETTINGS, port)
    bare_path, beat_path = "/learning/progress/bench-ping/", "/learning/progress/heartbeat/"
    try:
        _measure(port, bare_path, seeded["lesson"], seeded["clients"])  # warm up both paths
        _measure(port, beat_path, seeded["lesson"], seeded["clients"])
        bare, beat, errors = [], [], 0
        for _ in range(ROUNDS):
            rate, failed = _measure(port, bare_path, seeded["lesson"], seeded["clients"])
            bare.append(rate)
            errors += failed
            rate, failed = _measure(port, beat_path, seeded["lesson"], seeded["clients"])
            beat.append(rate)
            errors += failed
    finally:
        stop_server(server)
    bare_rps, beat_rps = statistics.median(bare), statistics.median(beat)
    return [
        ("heartbeat_bare_json_requests_per_second", bare_rps),
        ("heartbeat_requests_per_second", beat_rps),
        ("heartbeat_vs_bare_ratio", beat_rps / bare_rps if bare_rps else 0.0),
        ("heartbeat_failed_requests", errors),
        (
            "heartbeat_setup",
            f"{WORKERS} gunicorn gthread workers × {WORKER_THREADS} threads, "
            f"{CLIENT_PROCESSES * THREADS_PER_PROCESS} keep-alive connections, {ROUNDS} × {SECONDS:.0f} s rounds",
        ),
    ]


if __name__ == "__main__":
    emit(run())
