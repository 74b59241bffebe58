"""1,800 examinees on one exam, on loopback: gunicorn + PostgreSQL, nothing lost.

What happens, in order (all against a scratch PostgreSQL database):

1. Seed: ``EXAMINEES`` learners with a real password (Argon2id, the production hasher:
   hashed once and stored for all of them, since hashing 1,800 passwords one by one
   would take minutes; verifying it at sign-in costs each examinee what it costs in
   production), a bank of ``BANK`` objective questions, and one published exam for the
   region whose paper is drawn by rules from the bank (``QUESTIONS`` questions,
   shuffled per attempt), so every start draws its own paper.
2. Calibration: ``CALIBRATION`` other examinees of a twin exam take each step of the
   arrival below on their own, ``CALIBRATION_CONCURRENCY`` at a time, with the server's
   CPU read between the steps: what one sign-in, one exam page, one start and one paper
   page cost the server (``exam_server_cpu_per_*``).
3. Sign-in and start: every examinee arrives within ``SIGNIN_SPREAD`` seconds (1,800 in
   four minutes; ``BENCH_SIGNIN_SPREAD`` shortens it) and does what a browser does on
   one keep-alive connection: GET allauth's sign-in page (``?next=`` the exam), POST the
   password with the page's CSRF token, GET the exam page it is sent to, POST the start
   with that page's token, and GET the paper the start redirects to.
   ``exam_signin_start_p95_ms`` is the 95th percentile of that whole sequence per
   examinee. An examinee who fails at any step is an error here
   (``exam_signin_start_errors``, by step and kind) and, having no attempt, in every
   later phase too (``exam_examinees_without_attempt``). Each examinee comes from one of
   a few dozen client addresses (``ROOM_SIZE`` examinees per office, sent as
   ``X-Forwarded-For`` through a trusted proxy, as nginx does in production): the
   sign-in rate limit is per address.
4. Answering: every examinee saves one answer about every ``SAVE_INTERVAL`` seconds
   (uniform jitter ±5 s) for ``ANSWER_SECONDS`` seconds, each save on a new
   connection like a phone that sleeps between answers. The time is compressed
   only in that the phase is shorter than a real exam; the concurrency is real
   (1,800 sessions, ≈ 60 saves/s). ``RETRY_SHARE`` of the saves are followed
   by a late duplicate of an older save (a retry after a timeout), which the server
   must refuse to apply.
5. Throughput: ``CONNECTIONS`` keep-alive connections POST the save endpoint as
   fast as they can, then the bare authenticated JSON view (``/exams/api/ping/``,
   same session, CSRF and JSON body), alternating for ``ROUNDS`` rounds; medians.
6. Deadline: every examinee submits within ``SUBMIT_SPREAD`` seconds.
7. Check: for every question an examinee was told "saved", the database holds that
   save's sequence number and answer (acknowledged = found), and every attempt is graded.

The server runs with production's connection settings and cache (Redis), see
``bench/exam_load_settings.py``. The load generator is one asyncio process speaking
HTTP/1.1 (stdlib only). Standalone: ``DATABASE_URL=postgres://… python bench/exam_load.py``;
``BENCH_EXAMINEES``, ``BENCH_SIGNIN_SPREAD``, ``BENCH_ANSWER_SECONDS`` and
``BENCH_SUBMIT_SPREAD`` make a shorter run while developing.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, free_port, manage, scratch_database, stop_server, wait_for_port

SETTINGS = "bench.exam_load_settings"
REDIS_URL = os.environ.get("BENCH_EXAM_REDIS_URL", "redis://127.0.0.1:6379/6")
EXAMINEES = int(os.environ.get("BENCH_EXAMINEES", "1800"))
PASSWORD = "bench-pass-123"
#: The paper: (question type, questions drawn, points each) per rule, from a bank of BANK questions.
RULES = [("single", 8, "5"), ("multiple", 4, "5"), ("truefalse", 4, "5"), ("fill", 4, "5")]
QUESTIONS = sum(count for _type, count, _points in RULES)
BANK = 400
SIGNIN_SPREAD = float(os.environ.get("BENCH_SIGNIN_SPREAD", "225"))
ROOM_SIZE = 30
CALIBRATION = 120
CALIBRATION_CONCURRENCY = 4
WARM_UP_ARRIVALS = 32
SAVE_INTERVAL = 30.0
ANSWER_SECONDS = float(os.environ.get("BENCH_ANSWER_SECONDS", "40"))
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

    Processes come and go (``CONN_MAX_AGE`` closes a connection after 60 s, and its backend
    exits with its CPU time), so a thread reads them every ``SAMPLE_SECONDS`` and keeps the
    last reading of each process, known by pid and start time: one that exits between two
    snapshots still counts, less at most one sampling interval.
    """

    SAMPLE_SECONDS = 1.0

    def __init__(self, master_pid: int, database_url: str):
        self.master_pid = master_pid
        self.database_url = database_url
        self.tick = os.sysconf("SC_CLK_TCK")
        self.readings: tuple[dict, dict] = ({}, {})  # (web, database): (pid, start time) → CPU seconds
        self._lock = threading.Lock()
        self._conn = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample_until_stopped, daemon=True)
        self._thread.start()

    def _stat(self, pid: int) -> tuple[tuple[int, int], float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (pid, int(fields[19])), (int(fields[11]) + int(fields[12])) / self.tick

    def _workers(self) -> list[int]:
        try:
            return [
                int(p) for p in Path(f"/proc/{self.master_pid}/task/{self.master_pid}/children").read_text().split()
            ]
        except OSError:
            return []

    def _backends(self) -> list[int]:
        import psycopg

        if self._conn is None:
            self._conn = psycopg.connect(self.database_url.replace("postgres://", "postgresql://", 1), autocommit=True)
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()
        return [pid for (pid,) in rows]

    def _sample(self) -> None:
        with self._lock:
            for seen, pids in zip(self.readings, (self._workers(), self._backends()), strict=True):
                for pid in pids:
                    stat = self._stat(pid)
                    if stat is not None:
                        seen[stat[0]] = stat[1]

    def _sample_until_stopped(self) -> None:
        import psycopg

        while not self._stop.wait(self.SAMPLE_SECONDS):
            try:
                self._sample()
            except psycopg.OperationalError as exc:  # a missed sample only loses precision
                print(f"# CPU sample skipped: {exc}", file=sys.stderr)
                self._conn = None

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        if self._conn is not None:
            self._conn.close()

    def snapshot(self) -> tuple[dict, dict]:
        self._sample()
        with self._lock:
            return (dict(self.readings[0]), dict(self.readings[1]))

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
    """Learners with a password, a question bank, the exam and its calibration twin; what the clients need."""
    os.environ.update(
        {
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "CELERY_BROKER_URL": REDIS_URL,
            "CACHE_URL": REDIS_URL,
        }
    )
    import django

    django.setup()
    from datetime import timedelta
    from decimal import Decimal

    from django.contrib.auth.hashers import identify_hasher, make_password
    from django.utils import timezone

    from accounts.models import OrgUnit, User
    from exams.models import Exam, PaperRule, Question, QuestionCategory, QuestionType, QuestionVersion

    root = OrgUnit.add_root(name="压测地区", code="BENCH", kind=OrgUnit.Kind.PREFECTURE)
    units = [root.add_child(name=f"压测县{i}", code=f"BENCH-{i}", kind=OrgUnit.Kind.COUNTY) for i in range(12)]
    password = make_password(PASSWORD)
    assert identify_hasher(password).algorithm == "argon2", "the bench signs in with production's hasher"
    people = [(f"EX{i:05d}", f"考生{i}") for i in range(EXAMINEES)]
    people += [(f"CAL{i:04d}", f"校准{i}") for i in range(WARM_UP_ARRIVALS + CALIBRATION)]
    User.objects.bulk_create(
        [
            User(employee_no=login, full_name=name, org_unit=units[i % 12], password=password)
            for i, (login, name) in enumerate(people)
        ],
        batch_size=1000,
    )
    bank = QuestionCategory.add_root(name="压测题库")
    chapters = [bank.add_child(name=f"第{i + 1}章") for i in range(4)]
    kinds = [QuestionType.SINGLE, QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.TRUEFALSE, QuestionType.FILL]
    questions = Question.objects.bulk_create(
        [Question(category=chapters[n % 4], type=kinds[n % len(kinds)], name=f"压测题{n + 1}") for n in range(BANK)]
    )
    versions = QuestionVersion.objects.bulk_create([_version(question, n) for n, question in enumerate(questions)])
    for question, version in zip(questions, versions, strict=True):
        question.current_version = version
    Question.objects.bulk_update(questions, ["current_version"], batch_size=500)
    now = timezone.now()
    exams = []
    for title in ("1,800 人同场考试压测", "压测校准（每一步的服务器 CPU）"):
        exam = Exam.objects.create(
            title=title,
            opens_at=now - timedelta(minutes=5),
            closes_at=now + timedelta(hours=3),
            duration_minutes=90,
            credit_hours=Decimal("2"),
            is_published=True,
            paper_mode=Exam.PaperMode.RULES,
            shuffle_questions=True,
            shuffle_options=True,
        )
        exam.audience_units.add(root)
        PaperRule.objects.bulk_create(
            [
                PaperRule(
                    exam=exam,
                    category=bank,
                    question_type=qtype,
                    count=count,
                    points_each=Decimal(points),
                    sort_order=i,
                )
                for i, (qtype, count, points) in enumerate(RULES)
            ]
        )
        exams.append(exam.pk)
    rows = User.objects.filter(org_unit__isnull=False).order_by("pk").values_list("pk", "employee_no")
    examinees = [{"user": pk, "login": login, "ip": _office_address(n)} for n, (pk, login) in enumerate(rows)]
    return {
        "exam": exams[0],
        "calibration_exam": exams[1],
        "examinees": [e for e in examinees if e["login"].startswith("EX")],
        "calibrators": [e for e in examinees if e["login"].startswith("CAL")],
    }


def _office_address(n: int) -> str:
    """The address the n-th examinee signs in from: the ROOM_SIZE people of one office share it."""
    office = n // ROOM_SIZE
    return f"10.20.{office // 250}.{office % 250 + 1}"


def _version(question, n: int):
    from decimal import Decimal

    from exams.models import QuestionType, QuestionVersion

    qtype = question.type
    keys = ["T", "F"] if qtype == QuestionType.TRUEFALSE else ["A", "B", "C", "D"]
    options = [] if qtype == QuestionType.FILL else [
        {"key": k, "text": f"选项{k}", "correct": k in ("A", "T"), "fraction": "1" if k in ("A", "T") else "0"}
        for k in keys
    ]  # fmt: skip
    return QuestionVersion(
        question=question,
        number=1,
        stem=f"<p>压测题干 {n + 1}：依照《行政处罚法》，下列说法正确的是？</p>",
        options=options,
        accepted_answers=["行政处罚"] if qtype == QuestionType.FILL else [],
        points=Decimal("5"),
    )


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

    async def send(self, method: str, path: str, headers: dict[str, str], body: bytes = b""):
        """(status, headers, body, cookies set) of one request on this connection."""
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *(f"{k}: {v}" for k, v in headers.items())]
        head.append(f"Content-Length: {len(body)}")
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("closed by server")
        status = int(status_line.split()[1])
        received, cookies = {}, {}
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "set-cookie":
                cookie, _eq, cookie_value = value.split(";", 1)[0].partition("=")
                cookies[cookie.strip()] = cookie_value.strip()
            else:
                received[name] = value
        payload = await self.reader.readexactly(int(received.get("content-length", "0")))
        if received.get("connection", "").lower() == "close":
            await self.close()
        return status, received, payload, cookies

    async def request(self, method: str, path: str, client: dict, body: bytes = b"", form: bool = False):
        """A signed-in examinee's request (session cookie, CSRF header): (status, headers, body)."""
        headers = {
            "Cookie": client["cookie"],
            "X-CSRFToken": client["csrf"],
            "X-Forwarded-For": client["ip"],
            "Content-Type": FORM if form else "application/json",
            "Accept": "application/json",
        }
        status, received, payload, _cookies = await self.send(method, path, headers, body)
        return status, received, payload


async def one_shot(port: int, method: str, path: str, client: dict, body: bytes = b"", form: bool = False):
    """One request on a fresh connection; gives up after REQUEST_TIMEOUT seconds (counted as an error)."""
    http = Http(port)
    try:
        return await asyncio.wait_for(http.request(method, path, client, body, form), REQUEST_TIMEOUT)
    except TimeoutError:
        raise ConnectionError("timed out")
    finally:
        await http.close()


FORM = "application/x-www-form-urlencoded"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
ATTEMPT_PATH = re.compile(r"^/exams/attempts/(\d+)/$")


class StepFailed(Exception):
    """A step of the arrival got an answer a browser would not have gone on from."""


class Browser:
    """One examinee's browser: its cookies, the CSRF token of the last form it was shown, one connection.

    Each step raises ``StepFailed`` (or a connection error, or ``TimeoutError``) when the
    server's answer is not the page a person would see next.
    """

    def __init__(self, port: int, examinee: dict, exam_id: int):
        self.http = Http(port)
        self.examinee = examinee
        self.exam_path = f"/exams/{exam_id}/"
        self.cookies: dict[str, str] = {}
        self.token = ""
        self.paper_path = ""

    async def _send(self, method: str, path: str, form: dict | None = None):
        headers = {"X-Forwarded-For": self.examinee["ip"], "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = b""
        if form is not None:
            headers["Content-Type"] = FORM
            body = urlencode({**form, "csrfmiddlewaretoken": self.token}).encode()
        status, received, payload, cookies = await asyncio.wait_for(
            self.http.send(method, path, headers, body), REQUEST_TIMEOUT
        )
        for name, value in cookies.items():
            if value.strip('"'):
                self.cookies[name] = value
            else:
                self.cookies.pop(name, None)
        return status, received, payload

    def _form_token(self, status: int, payload: bytes) -> None:
        found = CSRF_FIELD.search(payload)
        if status != 200 or found is None:
            raise StepFailed(f"http_{status}" if status != 200 else "no_form")
        self.token = found.group(1).decode()

    async def sign_in(self) -> None:
        status, _h, payload = await self._send("GET", f"/accounts/login/?{urlencode({'next': self.exam_path})}")
        self._form_token(status, payload)
        form = {"login": self.examinee["login"], "password": PASSWORD, "next": self.exam_path}
        status, received, _p = await self._send("POST", "/accounts/login/", form)
        if status != 302 or received.get("location") != self.exam_path:
            raise StepFailed(f"http_{status}" if status != 302 else "redirected_elsewhere")

    async def open_exam(self) -> None:
        status, _h, payload = await self._send("GET", self.exam_path)
        self._form_token(status, payload)

    async def start(self) -> int:
        status, received, _p = await self._send("POST", f"{self.exam_path}start/", {})
        found = ATTEMPT_PATH.match(received.get("location", ""))
        if status != 302 or found is None:
            raise StepFailed(f"http_{status}" if status != 302 else "no_attempt")
        self.paper_path = found.group(0)
        return int(found.group(1))

    async def open_paper(self) -> None:
        status, _h, payload = await self._send("GET", self.paper_path)
        if status != 200 or b"data-exam-paper" not in payload:
            raise StepFailed(f"http_{status}" if status != 200 else "no_paper")

    def signed_in(self) -> dict:
        """What the later phases send as this examinee (session and CSRF cookies, the CSRF token)."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**self.examinee, "cookie": cookie, "csrf": self.token}


STEPS = ("signin", "exam_page", "start", "paper")


async def _step(browser: Browser, name: str):
    return await {
        "signin": browser.sign_in,
        "exam_page": browser.open_exam,
        "start": browser.start,
        "paper": browser.open_paper,
    }[name]()


@dataclass
class Arrival:
    """One examinee's sign-in and start: seconds per step, the attempt, or the step that failed and how."""

    client: dict
    seconds: dict[str, float] = field(default_factory=dict)
    attempt: int | None = None
    error: str = ""

    @property
    def total(self) -> float:
        return sum(self.seconds.values())


async def _arrive(port: int, exam_id: int, examinee: dict) -> Arrival:
    """Sign in, open the exam, start, open the paper: one browser on one keep-alive connection."""
    browser = Browser(port, examinee, exam_id)
    arrival = Arrival(examinee)
    try:
        for name in STEPS:
            began = time.perf_counter()
            try:
                result = await _step(browser, name)
            except StepFailed as exc:
                arrival.error = f"{name}:{exc}"
            except TimeoutError:
                arrival.error = f"{name}:timeout"
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                arrival.error = f"{name}:connection"
            if arrival.error:
                return arrival
            arrival.seconds[name] = time.perf_counter() - began
            if name == "start":
                arrival.attempt = result
    finally:
        await browser.http.close()
        arrival.client = browser.signed_in()
    return arrival


async def _arrive_all(port: int, exam_id: int, examinees: list, spread: float) -> list[Arrival]:
    """Every examinee arrives at a random moment within ``spread`` seconds."""

    async def arrive(examinee):
        await asyncio.sleep(random.uniform(0, spread))
        return await _arrive(port, exam_id, examinee)

    return await asyncio.gather(*(arrive(e) for e in examinees))


async def _calibrate(port: int, exam_id: int, examinees: list, meter: ServerCpu) -> dict[str, tuple]:
    """Each step for every calibrating examinee, a few at a time, the server's CPU read around each step.

    Returns step → ((web, database) CPU seconds, requests completed).
    """
    browsers = [Browser(port, e, exam_id) for e in examinees]
    alive = list(browsers)
    gate = asyncio.Semaphore(CALIBRATION_CONCURRENCY)
    used = {}
    for name in STEPS:
        done = []

        async def one(browser, name=name, done=done):
            async with gate:
                try:
                    await _step(browser, name)
                    done.append(browser)
                except (StepFailed, TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError):
                    pass
                finally:
                    await browser.http.close()

        mark = meter.snapshot()
        await asyncio.gather(*(one(b) for b in alive))
        used[name] = (meter.used(mark, meter.snapshot()), len(done))
        alive = done
    return used


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

    for client in clients:
        if client["user"] not in attempts:
            book.error("no_attempt")  # an examinee the start failed cannot answer: one error each
    await asyncio.gather(*(examinee(c, random.Random(c["user"])) for c in clients if c["user"] in attempts))
    return time.perf_counter() - began


async def _warm_up(port: int, exam_id: int, examinees: list, seconds: float = 4.0) -> None:
    """Let every gunicorn worker load the URLconf, middleware and templates before anything is timed.

    Anonymous sign-in pages for ``seconds``, then ``examinees`` arrive all at once (their
    exam is the calibration exam, so they touch nothing measured later).
    """
    stop_at = time.perf_counter() + seconds

    async def loop(examinee):
        http = Http(port)
        while time.perf_counter() < stop_at:
            try:
                await http.send("GET", "/accounts/login/", {"X-Forwarded-For": examinee["ip"]})
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                await http.close()
        await http.close()

    await asyncio.gather(*(loop(e) for e in examinees[:CONNECTIONS]))
    await asyncio.gather(*(_arrive(port, exam_id, e) for e in examinees))


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
    """Every examinee submits within SUBMIT_SPREAD seconds; one without an attempt is an error."""
    latencies: list[float] = []
    errors = sum(1 for c in clients if c["user"] not in attempts)

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
    _flush_redis()  # an earlier run's rate-limit counters and cached papers (same ids) must not leak in
    media = tempfile.mkdtemp(prefix="exam-load-media-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": "",
        "CACHE_URL": REDIS_URL,
        "PRIVATE_MEDIA_ROOT": media,
        "MEDIA_ROOT": media,
    }
    port = free_port()
    server = _start_server(env, port)
    examinees, calibrators = seeded["examinees"], seeded["calibrators"]
    book = Book()
    meter = ServerCpu(server.pid, url)
    cpu: dict[str, tuple[float, float]] = {}
    try:
        asyncio.run(_warm_up(port, seeded["calibration_exam"], calibrators[:WARM_UP_ARRIVALS]))
        steps = asyncio.run(_calibrate(port, seeded["calibration_exam"], calibrators[WARM_UP_ARRIVALS:], meter))
        mark = meter.snapshot()
        arrivals_began = time.perf_counter()
        arrivals = asyncio.run(_arrive_all(port, seeded["exam"], examinees, SIGNIN_SPREAD))
        arrival_seconds = time.perf_counter() - arrivals_began
        cpu["arrival"], mark = meter.used(mark, after := meter.snapshot()), after
        clients = [arrival.client for arrival in arrivals]
        attempts = {arrival.client["user"]: arrival.attempt for arrival in arrivals if arrival.attempt is not None}
        papers = _papers(seeded["exam"])
        connections.close_all()
        mark = meter.snapshot()
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
        meter.close()
        stop_server(server)
        _flush_redis()
    acknowledged, found, graded = _verify(book, papers)
    save_rps, bare_rps = statistics.median(save_rates), statistics.median(bare_rates)
    arrived = [arrival for arrival in arrivals if not arrival.error]
    failed: dict[str, int] = {}
    for arrival in arrivals:
        if arrival.error:
            failed[arrival.error] = failed.get(arrival.error, 0) + 1

    def step_ms(step: str, q: float) -> float:
        return pct([arrival.seconds[step] for arrival in arrived], q) * 1000

    return [
        ("exam_examinees", len(examinees)),
        ("exam_seed_seconds", seed_seconds),
        ("exam_signin_start_p50_ms", pct([arrival.total for arrival in arrived], 0.5) * 1000),
        ("exam_signin_start_p95_ms", pct([arrival.total for arrival in arrived], 0.95) * 1000),
        ("exam_signin_start_errors", len(arrivals) - len(arrived)),
        ("exam_signin_start_error_kinds", json.dumps(failed) if failed else "none"),
        ("exam_signin_p95_ms", step_ms("signin", 0.95)),
        ("exam_exam_page_p95_ms", step_ms("exam_page", 0.95)),
        ("exam_start_p50_ms", step_ms("start", 0.5)),
        ("exam_start_p95_ms", step_ms("start", 0.95)),
        ("exam_paper_page_p95_ms", step_ms("paper", 0.95)),
        ("exam_signin_start_phase_seconds", arrival_seconds),
        ("exam_attempts_started", len(papers)),
        ("exam_examinees_without_attempt", len(examinees) - len(attempts)),
        ("exam_answer_phase_seconds", answer_seconds),
        ("exam_saves_per_second_offered", len(book.latencies) / answer_seconds if answer_seconds else 0.0),
        ("exam_save_p50_ms", pct(book.latencies, 0.5) * 1000),
        ("exam_save_p95_ms", pct(book.latencies, 0.95) * 1000),
        ("exam_save_errors", sum(book.errors.values())),
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
        ("exam_server_cpu_per_signin", _per_request(*steps["signin"])),
        ("exam_server_cpu_per_exam_page", _per_request(*steps["exam_page"])),
        ("exam_server_cpu_per_start", _per_request(*steps["start"])),
        ("exam_start_server_cpu_ms (goal <= 10)", sum(steps["start"][0]) / max(steps["start"][1], 1) * 1000),
        ("exam_server_cpu_per_paper_page", _per_request(*steps["paper"])),
        ("exam_server_cpu_per_examinee_signin_start", _per_request(cpu["arrival"], len(arrivals))),
        ("exam_server_cpu_per_save", _per_request(cpu["save"], answer_requests)),
        ("exam_server_cpu_per_submit", _per_request(cpu["submit"], len(submit_lat))),
        ("exam_total_seconds", time.perf_counter() - began),
        (
            "exam_machine_load_average_before_after",
            f"{load_before:.1f} / {os.getloadavg()[0]:.1f} ({os.cpu_count()} cores)",
        ),
        (
            "exam_setup",
            f"{WORKERS} gunicorn gthread workers × {WORKER_THREADS} threads, Redis cache; {len(examinees)} examinees "
            f"with an Argon2id password, {ROOM_SIZE} per client address; paper of {QUESTIONS} questions drawn by "
            f"{len(RULES)} rules from a bank of {BANK}; arrivals (sign-in page, sign-in, exam page, start, paper) "
            f"spread over {SIGNIN_SPREAD:.0f} s; server CPU per step measured alone on {CALIBRATION} other examinees, "
            f"{CALIBRATION_CONCURRENCY} at a time; one save per examinee every {SAVE_INTERVAL:.0f}±5 s "
            f"for {ANSWER_SECONDS:.0f} s (new connection per save, {RETRY_SHARE:.0%} late retries); "
            f"throughput: {CONNECTIONS} keep-alive connections, {ROUNDS} × {ROUND_SECONDS:.0f} s rounds per endpoint; "
            f"submits spread over {SUBMIT_SPREAD:.0f} s",
        ),
    ]


def _flush_redis() -> None:
    """Drop the cache and the certificate tasks the run queued (nothing consumes them here)."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
    except redis.RedisError as exc:
        print(f"# could not clear {REDIS_URL}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    emit(run())
