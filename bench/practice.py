"""A practice answer (练习: check one answer, record it, update the 错题本, render the answer as the page's
script receives it: JSON with the rendered answer)
against the bare authenticated JSON view (``/exams/api/ping/``), same server, same run.

A scratch PostgreSQL database gets a bank of ``QUESTIONS`` single-choice questions in a
category open for practice, each citing a law article, and ``LEARNERS`` signed-in learners.
gunicorn (gthread workers, production connection settings: ``bench.heartbeat_settings``)
serves the project; ``CLIENT_PROCESSES`` × ``THREADS_PER_PROCESS`` keep-alive connections,
one learner each, alternate the two endpoints for ``ROUNDS`` rounds of ``SECONDS`` seconds.
Each practice request answers the next question of the bank, wrong one time in three (so
the 错题本 gains and loses entries as in real use). ``practice_answer_vs_bare_ratio`` is the
ratio of the median requests per second (goal ≥ 0.5).

Standalone: ``DATABASE_URL=postgres://… python bench/practice.py``.
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
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, free_port, manage, scratch_database, stop_server, wait_for_port

SETTINGS = "bench.heartbeat_settings"
QUESTIONS = 200
LEARNERS = 16
CLIENT_PROCESSES = 2
THREADS_PER_PROCESS = 4
SECONDS = float(os.environ.get("PRACTICE_BENCH_SECONDS", "4"))
ROUNDS = int(os.environ.get("PRACTICE_BENCH_ROUNDS", "3"))
WORKERS = 2
WORKER_THREADS = 4
BARE_PATH, ANSWER_PATH = "/exams/api/ping/", "/exams/practice/answer/"


def _seed(url: str) -> dict:
    os.environ.update({"DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS})
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.middleware.csrf import _get_new_csrf_string, _mask_cipher_secret
    from django.utils import timezone

    from accounts.models import OrgUnit, User
    from cms.models import Law, LawArticle, LawVersion
    from exams.models import QuestionType
    from exams.services.questions import ensure_category, save_question

    law = Law.objects.create(slug="bench-xzcf", title="中华人民共和国行政处罚法", short_name="行政处罚法")
    version = LawVersion.objects.create(
        law=law, label="2021", title=law.title, effective_date=dt.date(2021, 7, 15), is_current=True
    )
    articles = [
        LawArticle.objects.create(version=version, number=n, number_text=f"第{n}条", text=f"条文{n}")
        for n in range(1, 21)
    ]
    category = ensure_category("练习压测/行政处罚法")
    category.open_for_practice = True
    category.save()
    questions = []
    for i in range(QUESTIONS):
        question = save_question(
            category=category,
            qtype=QuestionType.SINGLE,
            stem=f"<p>练习压测题 {i}</p>",
            options=[{"text": f"选项{k}", "correct": k == 1} for k in range(4)],
            points=Decimal("1"),
            explanation="<p>见行政处罚法。</p>",
            law_articles=[articles[i % len(articles)]],
        )
        questions.append((question.pk, question.current_version_id))
    unit = OrgUnit.add_root(name="压测单位", code="BENCHP", kind=OrgUnit.Kind.PREFECTURE)
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(employee_no=f"PRAC{i:04d}", full_name=f"练习{i}", org_unit=unit, password=password)
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
    return {"questions": questions, "clients": clients}


def _start_server(url: str, port: int) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": SETTINGS}
    command = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(WORKERS), "--worker-class", "gthread", "--threads", str(WORKER_THREADS)]
    command += ["--keep-alive", "30", "--log-level", "warning"]
    server = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    return wait_for_port(server, port)


def _request(path: str, client: dict, questions: list, n: int) -> tuple[str, str]:
    """The body and content type of the ``n``-th request of one connection."""
    if path == BARE_PATH:
        return json.dumps({"answers": [{"item": 1, "seq": n + 1, "response": 1}]}), "application/json"
    question, version = questions[n % len(questions)]
    body = {"question": question, "version": version, "q1": "0" if n % 3 == 0 else "1", "order": "seq"}
    return urlencode(body), "application/x-www-form-urlencoded"


def _client_loop(port, path, client, questions, stop_at, counts, errors) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    done = failed = n = 0
    while time.perf_counter() < stop_at:
        body, content_type = _request(path, client, questions, n)
        n += 1
        headers = {
            "Content-Type": content_type,
            "Accept": "application/json",  # as the practice page's script asks for the answer
            "Cookie": client["cookie"],
            "X-CSRFToken": client["csrf"],
        }
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


def _client_process(port, path, clients, questions, seconds, queue) -> None:
    stop_at = time.perf_counter() + seconds
    counts: list[int] = []
    errors: list[int] = []
    threads = [
        threading.Thread(target=_client_loop, args=(port, path, c, questions, stop_at, counts, errors)) for c in clients
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put((sum(counts), sum(errors)))


def _measure(port: int, path: str, clients: list, questions: list, seconds: float = SECONDS) -> tuple[float, int]:
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    chunks = [clients[i::CLIENT_PROCESSES][:THREADS_PER_PROCESS] for i in range(CLIENT_PROCESSES)]
    started = time.perf_counter()
    procs = [context.Process(target=_client_process, args=(port, path, c, questions, seconds, queue)) for c in chunks]
    for p in procs:
        p.start()
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    return sum(r[0] for r in results) / (time.perf_counter() - started), sum(r[1] for r in results)


def run() -> list[tuple[str, object]]:
    url = scratch_database("practice")
    manage("migrate", "--noinput", database_url=url, settings=SETTINGS)
    seeded = _seed(url)
    from django.db import connections

    connections.close_all()
    port = free_port()
    server = _start_server(url, port)
    bare, answer, errors = [], [], 0
    try:
        for path in (BARE_PATH, ANSWER_PATH):  # warm-up: the workers load the project on their first requests
            _measure(port, path, seeded["clients"], seeded["questions"], seconds=2.0)
        for _ in range(ROUNDS):
            for path, rates in ((BARE_PATH, bare), (ANSWER_PATH, answer)):
                rate, failed = _measure(port, path, seeded["clients"], seeded["questions"])
                rates.append(rate)
                errors += failed
    finally:
        stop_server(server)
    bare_rps, answer_rps = statistics.median(bare), statistics.median(answer)
    return [
        ("practice_bare_json_requests_per_second", bare_rps),
        ("practice_answer_requests_per_second", answer_rps),
        ("practice_answer_vs_bare_ratio", answer_rps / bare_rps if bare_rps else 0.0),
        ("practice_failed_requests", errors),
        (
            "practice_setup",
            f"{QUESTIONS} questions open for practice; {CLIENT_PROCESSES * THREADS_PER_PROCESS} keep-alive "
            f"connections, {ROUNDS} × {SECONDS:.0f} s rounds per path on one gunicorn ({WORKERS} gthread workers × {WORKER_THREADS} threads)",
        ),
    ]


if __name__ == "__main__":
    emit(run())
