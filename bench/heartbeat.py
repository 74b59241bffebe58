"""Lesson heartbeats against a bare authenticated JSON view, same server, same run.

A scratch PostgreSQL database gets one published course with one lesson and
``LEARNERS`` signed-in learners. gunicorn (gthread workers) serves the project
with production connection settings (``CONN_MAX_AGE`` 60 with
``CONN_HEALTH_CHECKS``, as ``config/settings/production.py`` sets them), the
production cache (Redis through ``core.cache.ForgivingRedisCache``) and the
bench-only endpoint ``/learning/progress/bench-ping/`` switched on: a
login-checked POST that parses the same JSON and answers JSON — everything a
heartbeat pays for except the heartbeat's own work.

Two measurements:

1. **Back to back** (``heartbeat_vs_bare_ratio``): ``CLIENT_PROCESSES`` ×
   ``THREADS_PER_PROCESS`` keep-alive connections, one learner each, alternate the
   two endpoints of one server as fast as they can for ``ROUNDS`` rounds of
   ``SECONDS`` seconds; the ratio of the median requests per second. Beating far
   more often than once a second, most beats credit no whole second, and a
   learner's access check (once a minute before, cached now) is spread over
   hundreds of beats: this hides what an access check costs.

2. **At the real cadence** (``heartbeat_real_cadence_vs_bare_ratio``): all
   ``LEARNERS`` learners each beat once every ``CADENCE_SECONDS`` seconds, their
   beats spread evenly: 1,200 / 15 s = 80 beats/s offered. At the same time the
   same learners send the bare view the same load on a second, identical
   server, so that both sides of the ratio run under the same conditions on
   this shared two-core machine (measured one after the other, the bare view's
   CPU per request varied by ±20 % between runs). Each client thread owns a
   share of the learners and sends each request at its time (late, never
   dropped, if its previous request is still out). A learner's first beat
   claims the timer, as an opened page does. After one cadence of warm-up (every
   learner's first beat, which creates its progress and timer rows and its
   access grant) both servers are measured over ``CADENCE_WINDOW`` = 75 seconds.
   The old design re-checked access at the first beat 60 s or more after the
   last check: the fourth or the fifth beat, as a few milliseconds of timer
   jitter fall, so a 75 s window holds exactly one re-check per learner — one
   beat in five, the cheaper end of its one-in-four-or-five. A cached grant
   lasts ``cms.access_cache.GRANT_SECONDS`` (10 minutes): its re-check, about
   1/40 of a full check per beat, falls outside the window.

   The ratio is **CPU per bare request / CPU per beat**, each counted as user +
   system time of its server's gunicorn workers plus its PostgreSQL backends
   (told apart by ``application_name``, sampled twice a second so that a
   backend closed by ``CONN_MAX_AGE`` is still counted). CPU rather than
   latency because the old access check was paid by one beat in four: the
   median latency shows the cheap beats and hides it, while the CPU per beat is
   the average the server actually pays. Latencies (p50/p90) and their ratio
   are reported beside it; a beat's latency also includes its commit's WAL
   flush, which the bare view (no write) does not have.

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
#: The production cache; its keys carry heartbeat_settings.CACHES' KEY_PREFIX and are deleted before a run.
CACHE_URL = "redis://127.0.0.1:6379/0"
LEARNERS = 1200
CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 4
SECONDS = 4.0
ROUNDS = 3
CADENCE_SECONDS = 15.0
CADENCE_WINDOW = 75.0
CADENCE_THREADS_PER_PROCESS = 8
WORKERS = 2
WORKER_THREADS = 4
BARE_PATH, BEAT_PATH = "/learning/progress/bench-ping/", "/learning/progress/heartbeat/"


def _prepare_database(url: str) -> None:
    manage("migrate", "--noinput", database_url=url, settings=SETTINGS)


def _clear_cache(prefix: str) -> None:
    """Forget what an earlier run cached (its user and lesson ids are this run's too)."""
    import redis

    client = redis.Redis.from_url(CACHE_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*", count=1000))
    if keys:
        client.delete(*keys)


def _seed(url: str) -> dict:
    """One course, one lesson, signed-in learners: session and CSRF cookies for each."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "CACHE_URL": CACHE_URL})
    import django

    django.setup()
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone
    from wagtail.models import Locale, Page, Site

    from accounts.models import OrgUnit, User
    from cms.models import CoursePage, HomePage, LessonPage
    from cms.setup import ensure_course_index

    _clear_cache(settings.CACHES["default"]["KEY_PREFIX"])
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
    password = make_password(None)  # nobody signs in with a password: the sessions are made here
    users = User.objects.bulk_create(
        [
            User(employee_no=f"BENCH{i:04d}", full_name=f"压测{i}", org_unit=unit, password=password)
            for i in range(LEARNERS)
        ]
    )
    expires = timezone.now() + timezone.timedelta(days=1)
    sessions, clients = [], []
    for user in users:
        store = SessionStore()
        key = store._get_new_session_key()
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        secret = _get_new_csrf_string()
        clients.append(
            {
                "cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={secret}",
                "csrf": _mask_cipher_secret(secret),
            }
        )
    Session.objects.bulk_create(sessions)
    return {"lesson": lesson.pk, "clients": clients}


def _start_server(url: str, settings: str, port: int, name: str) -> subprocess.Popen:
    """gunicorn on ``port``; its database connections say ``application_name`` ``name``."""
    env = {
        **os.environ,
        "DATABASE_URL": f"{url}?application_name={name}",
        "DJANGO_SETTINGS_MODULE": settings,
        "CACHE_URL": CACHE_URL,
    }
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


def _headers(client: dict) -> dict:
    return {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "Cookie": client["cookie"],
        "X-CSRFToken": client["csrf"],
    }


# --- back to back --------------------------------------------------------------------------


def _client_loop(port: int, path: str, lesson: int, client: dict, stop_at: float, counts: list, errors: list) -> None:
    body = json.dumps({"lesson": lesson, "visible": True, "claim": False})
    headers = _headers(client)
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


# --- real cadence --------------------------------------------------------------------------


class ServerCpu:
    """CPU seconds of one gunicorn's workers and of its PostgreSQL backends (by ``application_name``).

    Sampled every ``PERIOD`` seconds by a thread: a backend that ``CONN_MAX_AGE``
    closes mid-window keeps the last value seen (at most one period is lost).
    """

    PERIOD = 0.5

    def __init__(self, master_pid: int, database_url: str, name: str):
        import psycopg

        self.master_pid = master_pid
        self.name = name
        self.tick = os.sysconf("SC_CLK_TCK")
        self.conn = psycopg.connect(database_url.replace("postgres://", "postgresql://", 1), autocommit=True)
        self.seen: dict[tuple[str, int], float] = {}
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _cpu(self, pid: int) -> float | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / self.tick

    def _sample(self) -> None:
        try:
            workers = Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text().split()
        except OSError:
            workers = []
        backends = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [self.name],
        ).fetchall()
        pids = [("web", int(p)) for p in workers] + [("database", pid) for (pid,) in backends]
        values = {key: self._cpu(key[1]) for key in pids}
        with self.lock:
            self.seen.update({key: value for key, value in values.items() if value is not None})

    def _run(self) -> None:
        while not self.stopped.wait(self.PERIOD):
            self._sample()

    def mark(self) -> dict:
        self._sample()
        with self.lock:
            return dict(self.seen)

    @staticmethod
    def used(before: dict, after: dict) -> dict[str, float]:
        totals = {"web": 0.0, "database": 0.0}
        for key, value in after.items():
            totals[key[0]] += value - before.get(key, 0.0)
        return totals

    def close(self) -> None:
        self.stopped.set()
        self.thread.join()
        self.conn.close()


def _cadence_thread(port, path, lesson, learners, start, stop_at, results) -> None:
    """Beat for ``learners`` (global index, client) on their schedule until ``stop_at``; keep (due, latency, ok)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    bodies = [json.dumps({"lesson": lesson, "visible": True, "claim": claim}) for claim in (False, True)]
    spacing = CADENCE_SECONDS / LEARNERS
    beat = 0
    while True:
        for index, client in learners:
            due = start + beat * CADENCE_SECONDS + index * spacing
            if due >= stop_at:
                conn.close()
                return
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            sent = time.perf_counter()
            try:
                conn.request("POST", path, body=bodies[beat == 0], headers=_headers(client))
                response = conn.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            results.append((due - start, time.perf_counter() - sent, ok))
        beat += 1


def _cadence_process(port, path, lesson, learners, start, seconds, queue) -> None:
    results: list = []
    chunks = [learners[i::CADENCE_THREADS_PER_PROCESS] for i in range(CADENCE_THREADS_PER_PROCESS)]
    threads = [
        threading.Thread(target=_cadence_thread, args=(port, path, lesson, c, start, start + seconds, results))
        for c in chunks
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((path, results))


def _cadence(servers: dict[str, tuple[int, ServerCpu]], lesson: int, clients: list) -> dict[str, dict]:
    """Every learner beats once per ``CADENCE_SECONDS`` on each path of ``servers`` at once.

    CPU and latencies per path over ``CADENCE_WINDOW`` after one cadence of warm-up.
    """
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    learners = list(enumerate(clients))
    start = time.perf_counter() + 1.0
    seconds = CADENCE_SECONDS + CADENCE_WINDOW
    procs = [
        context.Process(
            target=_cadence_process, args=(port, path, lesson, learners[i::CLIENT_PROCESSES], start, seconds, queue)
        )
        for path, (port, _meter) in servers.items()
        for i in range(CLIENT_PROCESSES)
    ]
    for p in procs:
        p.start()
    time.sleep(max(0.0, start + CADENCE_SECONDS - time.perf_counter()))
    before = {path: meter.mark() for path, (_port, meter) in servers.items()}
    time.sleep(max(0.0, start + seconds - time.perf_counter()))
    results: dict[str, list] = {path: [] for path in servers}
    for _ in procs:
        path, rows = queue.get()
        results[path] += rows
    after = {path: meter.mark() for path, (_port, meter) in servers.items()}
    for p in procs:
        p.join()
    return {
        path: _summary(results[path], ServerCpu.used(before[path], after[path]), CADENCE_WINDOW) for path in servers
    }


def _summary(results: list, cpu: dict[str, float], window: float) -> dict:
    """Per-request CPU and latency percentiles of the requests due in the window."""
    measured = [(latency, ok) for due, latency, ok in results if due >= CADENCE_SECONDS]
    latencies = sorted(latency for latency, ok in measured if ok)
    requests = len(measured)
    per_request = {kind: cpu[kind] / requests * 1000 if requests else 0.0 for kind in ("web", "database")}
    return {
        "failed": requests - len(latencies),
        "web_ms": per_request["web"],
        "database_ms": per_request["database"],
        "cpu_ms": per_request["web"] + per_request["database"],
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p90_ms": latencies[int(len(latencies) * 0.9)] * 1000 if latencies else 0.0,
        "rate": requests / window,
    }


def run() -> list[tuple[str, object]]:
    url = scratch_database("heartbeat")
    _prepare_database(url)
    seeded = _seed(url)
    from django.db import connections

    connections.close_all()
    lesson, clients = seeded["lesson"], seeded["clients"]
    servers: dict[str, tuple[int, ServerCpu]] = {}
    processes = []
    try:
        for path, name in ((BARE_PATH, "bench_bare"), (BEAT_PATH, "bench_beat")):
            port = free_port()
            processes.append(_start_server(url, SETTINGS, port, name))
            servers[path] = (port, ServerCpu(processes[-1].pid, url, name))
        cadence = _cadence(servers, lesson, clients)
        port = servers[BEAT_PATH][0]  # back to back: both paths on one server, one after the other
        bare, beat, errors = [], [], 0
        for _ in range(ROUNDS):
            rate, failed = _measure(port, BARE_PATH, lesson, clients)
            bare.append(rate)
            errors += failed
            rate, failed = _measure(port, BEAT_PATH, lesson, clients)
            beat.append(rate)
            errors += failed
    finally:
        for _port, meter in servers.values():
            meter.close()
        for server in processes:
            stop_server(server)
    bare_rps, beat_rps = statistics.median(bare), statistics.median(beat)
    bare_cadence, beat_cadence = cadence[BARE_PATH], cadence[BEAT_PATH]
    bare_cpu, beat_cpu = bare_cadence["cpu_ms"], beat_cadence["cpu_ms"]

    def describe(figures: dict) -> str:
        return (
            f"web {figures['web_ms']:.2f} ms + database {figures['database_ms']:.2f} ms CPU per request; "
            f"p50 {figures['p50_ms']:.1f} ms, p90 {figures['p90_ms']:.1f} ms; "
            f"{figures['rate']:.1f} requests/s, {figures['failed']} failed"
        )

    return [
        ("heartbeat_bare_json_requests_per_second", bare_rps),
        ("heartbeat_requests_per_second", beat_rps),
        ("heartbeat_vs_bare_ratio", beat_rps / bare_rps if bare_rps else 0.0),
        ("heartbeat_failed_requests", errors + bare_cadence["failed"] + beat_cadence["failed"]),
        ("heartbeat_real_cadence_bare", describe(bare_cadence)),
        ("heartbeat_real_cadence_beat", describe(beat_cadence)),
        ("heartbeat_real_cadence_vs_bare_ratio", bare_cpu / beat_cpu if beat_cpu else 0.0),
        (
            "heartbeat_real_cadence_latency_p50_ratio",
            beat_cadence["p50_ms"] and bare_cadence["p50_ms"] / beat_cadence["p50_ms"],
        ),
        (
            "heartbeat_setup",
            f"gunicorn: {WORKERS} gthread workers × {WORKER_THREADS} threads, CONN_MAX_AGE 60 + health checks, "
            f"Redis cache; back to back: {CLIENT_PROCESSES * THREADS_PER_PROCESS} keep-alive connections, "
            f"{ROUNDS} × {SECONDS:.0f} s rounds per path; real cadence: {LEARNERS} learners × one request per "
            f"{CADENCE_SECONDS:.0f} s to each of two such servers at once (heartbeat, bare view), "
            f"measured over {CADENCE_WINDOW:.0f} s after {CADENCE_SECONDS:.0f} s of warm-up",
        ),
    ]


if __name__ == "__main__":
    emit(run())
