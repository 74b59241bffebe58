"""1,800 examinees on one exam, on loopback: gunicorn + PostgreSQL, nothing lost.

What happens, in order (all against a scratch PostgreSQL database):

1. Seed: ``EXAMINEES`` learners with signed-in sessions, one published exam of
   ``QUESTIONS`` objective questions (rule-free fixed paper, shuffled per attempt).
2. Start: every examinee POSTs the real start endpoint, spread over ``START_SPREAD``
   seconds (a room starting within a minute); each start freezes a paper.
3. Answering: every examinee saves one answer about every ``SAVE_INTERVAL`` seconds
   (uniform jitter ±5 s) for ``ANSWER_SECONDS`` seconds, each save on a new
   connection like a phone that sleeps between answers. The time is compressed
   only in that the phase is shorter than a real exam; the concurrency is real
   (1,800 sessions, ≈ 60 saves/s). ``RETRY_SHARE`` of the saves are followed
   by a late duplicate of an older save (a retry after a timeout), which the server
   must refuse to apply.
4. Throughput: ``CONNECTIONS`` keep-alive connections POST the save endpoint as
   fast as they can, then the bare authenticated JSON view (``/exams/api/ping/``,
   same session, CSRF and JSON body), alternating for ``ROUNDS`` rounds; medians.
5. Deadline: every examinee submits within ``SUBMIT_SPREAD`` seconds.
6. Check: for every question an examinee was told "saved", the database holds that
   save's sequence number and answer (acknowledged = found), and every attempt is graded.

The load generator is one asyncio process speaking HTTP/1.1 (stdlib only).
Standalone: ``DATABASE_URL=postgres://… python bench/exam_load.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, free_port, manage, scratch_database, stop_server, wait_for_port

SETTINGS = "bench.exam_load_settings"
REDIS_URL = os.environ.get("BENCH_EXAM_REDIS_URL", "redis://127.0.0.1:6379/6")
EXAMINEES = int(os.environ.get("BENCH_EXAMINEES", "1800"))
QUESTIONS = 20
START_SPREAD = float(os.environ.get("BENCH_START_SPREAD", "45"))
SAVE_INTERVAL = 30.0
ANSWER_SECONDS = float(os.environ.get("BENCH_ANSWER_SECONDS", "90"))
RETRY_SHARE = 0.03
SUBMIT_SPREAD = float(os.environ.get("BENCH_SUBMIT_SPREAD", "20"))
CONNECTIONS = 16
ROUNDS = 2
ROUND_SECONDS = 6.0
WORKERS = 4
REQUEST_TIMEOUT = 60.0
WORKER_THREADS = 4


# --- server ------------------------------------------------------------------------


def _prepare_database(url: str) -> None:
    manage("migrate", "--noinput", database_url=url, settings=SETTINGS)


def _start_server(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(WORKER_THREADS),
            "--worker-connections", "2000", "--backlog", "4096", "--keep-alive", "5",
            "--log-level", "warning",
        ],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )  # fmt: skip
    return wait_for_port(server, port)


class ServerCpu:
    """CPU seconds used by the gunicorn workers and by this database's PostgreSQL backends.

    The machine may be shared: latency and throughput then depend on what else runs,
    while the CPU our server spends per request does not, so both are reported.
    """

    def __init__(self, master_pid: int, database_url: str):
        self.master_pid = master_pid
        self.database_url = database_url
        self.tick = os.sysconf("SC_CLK_TCK")

    def _cpu(self, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / self.tick

    def _workers(self) -> list[int]:
        try:
            return [
                int(p) for p in Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text().split()
            ]
        except OSError:
            return []

    def _backends(self) -> list[int]:
        import psycopg

        with psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1)) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchall()
        return [pid for (pid,) in rows]

    def snapshot(self) -> tuple[dict, dict]:
        return ({p: self._cpu(p) for p in self._workers()}, {p: self._cpu(p) for p in self._backends()})

    @staticmethod
    def used(before: tuple[dict, dict], after: tuple[dict, dict]) -> tuple[float, float]:
        """(web, database) CPU seconds between two snapshots."""
        return tuple(sum(v - b.get(p, 0.0) for p, v in a.items()) for b, a in zip(before, after, strict=True))


def _per_request(cpu: tuple[float, float], requests: int) -> str:
    if not requests:
        return "n/a"
    return f"web {cpu[0] / requests * 1000:.1f} ms + database {cpu[1] / requests * 1000:.1f} ms"


# --- seed --------------------------------------------------------------------------


def _seed(url: str) -> dict:
    """Learners with sessions and CSRF cookies, one open exam; returns what the clients need."""
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS, "CELERY_BROKER_URL": REDIS_URL})
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone

    from accounts.models import OrgUnit, User
    from exams.models import Exam, ExamQuestion, Question, QuestionCategory, QuestionType, QuestionVersion

    root = OrgUnit.add_root(name="压测地区", code="BENCH", kind=OrgUnit.Kind.PREFECTURE)
    units = [root.add_child(name=f"压测县{i}", code=f"BENCH-{i}", kind=OrgUnit.Kind.COUNTY) for i in range(12)]
    password = make_password("bench-pass-123")
    User.objects.bulk_create(
        [
            User(employee_no=f"EX{i:05d}", full_name=f"考生{i}", org_unit=units[i % 12], password=password)
            for i in range(EXAMINEES)
        ]
    )
    category = QuestionCategory.add_root(name="压测题库")
    kinds = [QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE, QuestionType.FILL]
    exam = Exam.objects.create(
        title="1,800 人同场考试压测",
        opens_at=timezone.now() - timedelta(minutes=5),
        closes_at=timezone.now() + timedelta(hours=3),
        duration_minutes=90,
        credit_hours=Decimal("2"),
        is_published=True,
        shuffle_questions=True,
        shuffle_options=True,
    )
    for n in range(QUESTIONS):
        qtype = kinds[n % len(kinds)]
        question = Question.objects.create(category=category, type=qtype, name=f"压测题{n + 1}")
        keys = ["T", "F"] if qtype == QuestionType.TRUEFALSE else ["A", "B", "C", "D"]
        options = [] if qtype == QuestionType.FILL else [
            {"key": k, "text": f"选项{k}", "correct": k in ("A", "T"), "fraction": "1" if k in ("A", "T") else "0"}
            for k in keys
        ]  # fmt: skip
        version = QuestionVersion.objects.create(
            question=question,
            number=1,
            stem=f"<p>压测题干 {n + 1}</p>",
            options=options,
            accepted_answers=["行政处罚"] if qtype == QuestionType.FILL else [],
            points=Decimal("5"),
        )
        question.current_version = version
        question.save(update_fields=["current_version"])
        ExamQuestion.objects.create(exam=exam, question=question, sort_order=n)
    clients, sessions = [], []
    expires = timezone.now() + timedelta(days=1)
    for user in User.objects.filter(employee_no__startswith="EX").order_by("pk"):
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
                "user": user.pk,
                "cookie": f"{settings.SESSION_COOKIE_NAME}={key}; {settings.CSRF_COOKIE_NAME}={secret}",
                "csrf": _mask_cipher_secret(secret),
            }
        )
    Session.objects.bulk_create(sessions, batch_size=500)
    return {"exam": exam.pk, "clients": clients}


def _papers(exam_id: int) -> dict[int, dict[int, tuple[str, int]]]:
    """attempt id → {position: (qtype, number of options)} as frozen at start."""
    from exams.models import AttemptQuestion

    papers: dict[int, dict[int, tuple[str, int]]] = {}
    for attempt_id, position, qtype, order in AttemptQuestion.objects.filter(attempt__exam_id=exam_id).values_list(
        "attempt_id", "position", "qtype", "option_order"
    ):
        papers.setdefault(attempt_id, {})[position] = (qtype, len(order))
    return papers


# --- HTTP/1.1 client -----------------------------------------------------------------


class Http:
    """A minimal keep-alive HTTP/1.1 client over asyncio streams (Content-Length bodies only)."""

    def __init__(self, port: int):
        self.port = port
        self.reader = self.writer = None

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None

    async def request(self, method: str, path: str, client: dict, body: bytes = b"", form: bool = False):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        ctype = "application/x-www-form-urlencoded" if form else "application/json"
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {client['cookie']}\r\n"
            f"X-CSRFToken: {client['csrf']}\r\nContent-Type: {ctype}\r\nAccept: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self.writer.write(head.encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by server")
        status = int(status_line.split()[1])
        headers = {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        payload = await self.reader.readexactly(int(headers.get("content-length", "0")))
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, headers, payload


async def one_shot(port: int, method: str, path: str, client: dict, body: bytes = b"", form: bool = False):
    """One request on a fresh connection; gives up after REQUEST_TIMEOUT seconds (counted as an error)."""
    http = Http(port)
    try:
        return await asyncio.wait_for(http.request(method, path, client, body, form), REQUEST_TIMEOUT)
    except TimeoutError:
        raise ConnectionError("timed out")
    finally:
        await http.close()


def pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(int(round(q * (len(ordered) - 1))), len(ordered) - 1)]


# --- phases ------------------------------------------------------------------------------


class Book:
    """What the clients were told: the newest acknowledged save per (attempt, question)."""

    def __init__(self):
        self.acked: dict[tuple[int, int], tuple[int, object]] = {}
        self.saves_acked = 0
        self.stale_refused = 0
        self.stale_applied = 0
        self.errors: dict[str, int] = {}
        self.latencies: list[float] = []

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def record(self, attempt_id: int, answers: list[dict], data: dict, retry: bool = False) -> None:
        by_item = {a["item"]: a for a in answers}
        for result in data["saved"]:
            key = (attempt_id, result["item"])
            if result["accepted"]:
                if retry:
                    self.stale_applied += 1
                self.saves_acked += 1
                previous = self.acked.get(key)
                if previous is None or previous[0] < result["seq"]:
                    self.acked[key] = (result["seq"], by_item[result["item"]]["response"])
            elif retry:
                self.stale_refused += 1


def _response(rng: random.Random, qtype: str, options: int):
    if qtype == "fill":
        return rng.choice(["行政处罚", "行政强制", "行政许可"])
    if qtype == "multiple":
        return sorted(rng.sample(range(options), rng.randint(1, options)))
    return rng.randrange(options)


async def _start_all(port: int, exam_id: int, clients: list) -> tuple[dict[int, int], list[float], int]:
    """Every examinee starts within START_SPREAD seconds; returns user → attempt id."""
    attempts: dict[int, int] = {}
    latencies: list[float] = []
    errors = 0

    async def start(client):
        nonlocal errors
        await asyncio.sleep(random.uniform(0, START_SPREAD))
        began = time.perf_counter()
        try:
            status, headers, _ = await one_shot(port, "POST", f"/exams/{exam_id}/start/", client, b"", form=True)
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            errors += 1
            return
        latencies.append(time.perf_counter() - began)
        location = headers.get("location", "")
        if status == 302 and "/exams/attempts/" in location:
            attempts[client["user"]] = int(location.rstrip("/").rsplit("/", 1)[1])
        else:
            errors += 1

    await asyncio.gather(*(start(c) for c in clients))
    return attempts, latencies, errors


async def _answer_phase(port: int, clients: list, attempts: dict, papers: dict, book: Book) -> float:
    """Everyone saves about every SAVE_INTERVAL seconds, on a fresh connection each time."""
    began = time.perf_counter()
    stop_at = began + ANSWER_SECONDS

    async def examinee(client, rng):
        attempt_id = attempts[client["user"]]
        paper = papers[attempt_id]
        path = f"/exams/attempts/{attempt_id}/save/"
        seq = 0
        await asyncio.sleep(min(rng.uniform(0, SAVE_INTERVAL), ANSWER_SECONDS))
        while time.perf_counter() < stop_at:
            position = rng.choice(list(paper))
            qtype, options = paper[position]
            seq = max(seq + 1, int(time.time() * 1000))
            answers = [{"item": position, "seq": seq, "response": _response(rng, qtype, options)}]
            body = json.dumps({"answers": answers}).encode()
            sent = time.perf_counter()
            try:
                status, _h, payload = await one_shot(port, "POST", path, client, body)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                book.error("connection")
            else:
                book.latencies.append(time.perf_counter() - sent)
                if status == 200:
                    book.record(attempt_id, answers, json.loads(payload))
                else:
                    book.error(f"http_{status}")
            if rng.random() < RETRY_SHARE and seq > 1:
                stale = [{"item": position, "seq": seq - 1, "response": _response(rng, qtype, options)}]
                try:
                    status, _h, payload = await one_shot(
                        port, "POST", path, client, json.dumps({"answers": stale}).encode()
                    )
                    if status == 200:
                        book.record(attempt_id, stale, json.loads(payload), retry=True)
                    else:
                        book.error(f"http_{status}")
                except (OSError, ConnectionError, asyncio.IncompleteReadError):
                    book.error("connection")
            await asyncio.sleep(max(0.0, min(SAVE_INTERVAL + rng.uniform(-5, 5), stop_at - time.perf_counter())))

    await asyncio.gather(*(examinee(c, random.Random(c["user"])) for c in clients if c["user"] in attempts))
    return time.perf_counter() - began


async def _warm_up(port: int, clients: list, seconds: float = 4.0) -> None:
    """Let every gunicorn worker load the URLconf, middleware and templates before anything is timed."""
    stop_at = time.perf_counter() + seconds

    async def loop(client):
        http = Http(port)
        while time.perf_counter() < stop_at:
            try:
                await http.request("GET", "/exams/api/ping/", client)
                await http.request("GET", "/exams/", client)
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                await http.close()
        await http.close()

    await asyncio.gather(*(loop(c) for c in clients[:CONNECTIONS]))


async def _closed_loop(port: int, path_for, clients: list, attempts, papers, book: Book | None) -> float:
    """Requests per second with CONNECTIONS keep-alive connections for ROUND_SECONDS."""
    stop_at = time.perf_counter() + ROUND_SECONDS
    done = 0

    async def loop(client, rng):
        nonlocal done
        http = Http(port)
        attempt_id = attempts[client["user"]]
        paper = papers[attempt_id]
        seq = int(time.time() * 1000)
        while time.perf_counter() < stop_at:
            position = rng.choice(list(paper))
            qtype, options = paper[position]
            seq = max(seq + 1, int(time.time() * 1000))
            answers = [{"item": position, "seq": seq, "response": _response(rng, qtype, options)}]
            try:
                status, _h, payload = await http.request(
                    "POST", path_for(attempt_id), client, json.dumps({"answers": answers}).encode()
                )
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                await http.close()
                if book:
                    book.error("connection")
                continue
            if status == 200:
                done += 1
                data = json.loads(payload)
                if book is not None and "saved" in data:
                    book.record(attempt_id, answers, data)
            elif book is not None:
                book.error(f"http_{status}")
        await http.close()

    began = time.perf_counter()
    await asyncio.gather(*(loop(c, random.Random(i)) for i, c in enumerate(clients)))
    return done / (time.perf_counter() - began)


async def _submit_all(port: int, clients: list, attempts: dict) -> tuple[list[float], int]:
    latencies: list[float] = []
    errors = 0

    async def submit(client):
        nonlocal errors
        await asyncio.sleep(random.uniform(0, SUBMIT_SPREAD))
        attempt_id = attempts[client["user"]]
        began = time.perf_counter()
        try:
            status, _h, _p = await one_shot(port, "POST", f"/exams/attempts/{attempt_id}/submit/", client, b"{}")
        except (OSError, ConnectionError, asyncio.IncompleteReadError):
            errors += 1
            return
        latencies.append(time.perf_counter() - began)
        errors += status != 200

    await asyncio.gather(*(submit(c) for c in clients if c["user"] in attempts))
    return latencies, errors


def _verify(book: Book, papers: dict) -> tuple[int, int, int]:
    """(acknowledged answers, found in the database, attempts graded)."""
    from exams.models import AttemptAnswer, ExamAttempt
    from exams.services.attempts import response_from_client

    orders = {}
    from exams.models import AttemptQuestion

    for attempt_id, position, qtype, order in AttemptQuestion.objects.filter(attempt_id__in=list(papers)).values_list(
        "attempt_id", "position", "qtype", "option_order"
    ):
        orders[(attempt_id, position)] = (qtype, order)
    stored = {
        (a, p): (seq, response)
        for a, p, seq, response in AttemptAnswer.objects.filter(item__attempt_id__in=list(papers)).values_list(
            "item__attempt_id", "item__position", "seq", "response"
        )
    }
    found = 0
    for key, (seq, sent) in book.acked.items():
        qtype, order = orders[key]
        expected = response_from_client(qtype, order, sent, position=key[1])
        if stored.get(key) == (seq, expected):
            found += 1
    graded = ExamAttempt.objects.filter(pk__in=list(papers), status=ExamAttempt.Status.GRADED).count()
    return len(book.acked), found, graded


def run() -> list[tuple[str, object]]:
    began = time.perf_counter()
    load_before = os.getloadavg()[0]
    url = scratch_database("exam_load")
    _prepare_database(url)
    seeded = _seed(url)
    seed_seconds = time.perf_counter() - began
    from django.db import connections

    connections.close_all()
    media = tempfile.mkdtemp(prefix="exam-load-media-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": "",
        "PRIVATE_MEDIA_ROOT": media,
        "MEDIA_ROOT": media,
    }
    port = free_port()
    server = _start_server(env, port)
    clients = seeded["clients"]
    book = Book()
    meter = ServerCpu(server.pid, url)
    cpu: dict[str, tuple[float, float]] = {}
    try:
        asyncio.run(_warm_up(port, clients))
        mark = meter.snapshot()
        attempts, start_lat, start_errors = asyncio.run(_start_all(port, seeded["exam"], clients))
        cpu["start"], mark = meter.used(mark, after := meter.snapshot()), after
        papers = _papers(seeded["exam"])
        connections.close_all()
        answer_seconds = asyncio.run(_answer_phase(port, clients, attempts, papers, book))
        cpu["save"], mark = meter.used(mark, after := meter.snapshot()), after
        answer_requests = len(book.latencies) + book.stale_refused + book.stale_applied
        loop_clients = [c for c in clients if c["user"] in attempts][:CONNECTIONS]
        save_rates, bare_rates = [], []
        for _ in range(ROUNDS):
            save_rates.append(
                asyncio.run(
                    _closed_loop(port, lambda a: f"/exams/attempts/{a}/save/", loop_clients, attempts, papers, book)
                )
            )
            bare_rates.append(
                asyncio.run(_closed_loop(port, lambda a: "/exams/api/ping/", loop_clients, attempts, papers, None))
            )
        mark = meter.snapshot()
        submit_lat, submit_errors = asyncio.run(_submit_all(port, clients, attempts))
        cpu["submit"] = meter.used(mark, meter.snapshot())
    finally:
        stop_server(server)
        _flush_redis()
    acknowledged, found, graded = _verify(book, papers)
    save_rps, bare_rps = statistics.median(save_rates), statistics.median(bare_rates)
    errors = sum(book.errors.values())
    return [
        ("exam_examinees", len(clients)),
        ("exam_seed_seconds", seed_seconds),
        ("exam_attempts_started", len(attempts)),
        ("exam_start_p50_ms", pct(start_lat, 0.5) * 1000),
        ("exam_start_p95_ms", pct(start_lat, 0.95) * 1000),
        ("exam_start_errors", start_errors),
        ("exam_answer_phase_seconds", answer_seconds),
        ("exam_saves_per_second_offered", len(book.latencies) / answer_seconds if answer_seconds else 0.0),
        ("exam_save_p50_ms", pct(book.latencies, 0.5) * 1000),
        ("exam_save_p95_ms", pct(book.latencies, 0.95) * 1000),
        ("exam_save_errors", errors),
        ("exam_save_error_kinds", json.dumps(book.errors) if book.errors else "none"),
        ("exam_saves_acknowledged", book.saves_acked),
        ("exam_late_retries_refused", book.stale_refused),
        ("exam_late_retries_applied", book.stale_applied),
        ("exam_answers_acknowledged", acknowledged),
        ("exam_answers_found_in_db", found),
        ("exam_answers_lost", acknowledged - found),
        ("exam_submit_p50_ms", pct(submit_lat, 0.5) * 1000),
        ("exam_submit_p95_ms", pct(submit_lat, 0.95) * 1000),
        ("exam_submit_errors", submit_errors),
        ("exam_attempts_graded", graded),
        ("exam_save_requests_per_second", save_rps),
        ("exam_bare_json_requests_per_second", bare_rps),
        ("exam_save_vs_bare_ratio", save_rps / bare_rps if bare_rps else 0.0),
        ("exam_server_cpu_per_start", _per_request(cpu["start"], len(start_lat))),
        ("exam_server_cpu_per_save", _per_request(cpu["save"], answer_requests)),
        ("exam_server_cpu_per_submit", _per_request(cpu["submit"], len(submit_lat))),
        ("exam_total_seconds", time.perf_counter() - began),
        (
            "exam_machine_load_average_before_after",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)",
        ),
        (
            "exam_setup",
            f"{WORKERS} gunicorn gthread workers × {WORKER_THREADS} threads; {len(clients)} examinees; "
            f"starts spread over {START_SPREAD:.0f} s; one save per examinee every {SAVE_INTERVAL:.0f}±5 s "
            f"for {ANSWER_SECONDS:.0f} s (new connection per save, {RETRY_SHARE:.0%} late retries); "
            f"throughput: {CONNECTIONS} keep-alive connections, {ROUNDS} × {ROUND_SECONDS:.0f} s rounds per endpoint; "
            f"submits spread over {SUBMIT_SPREAD:.0f} s",
        ),
    ]


def _flush_redis() -> None:
    """Drop the certificate tasks the run queued (nothing consumes them here)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as exc:
        print(f"# could not clear {REDIS_URL}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    emit(run())
