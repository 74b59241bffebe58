"""Jobs: the review roster PDF per holder, and what the job mechanism costs per chunk.

1. Roster PDF: a scratch PostgreSQL database with ``HOLDERS`` credential holders
   (the demo's organisation and staff, last year's ledger history, last year
   closed and reviewed). The roster job (``review.export``, kind
   ``review.roster_pdf``: plan, one part of ``ROWS_PER_PART`` rows per chunk laid
   out with reportlab's platypus, then the merge with page numbers) is run from
   its start function with Celery eager, so every task runs in this process and
   its CPU time (``time.process_time``) per holder is the job's
   (``roster_pdf_ms_per_holder``; the goal is at most 2 ms). It is set against
   bare platypus laying out the very same cells (prepared beforehand) as one
   table in one document, with no database, parts, merge or page numbers, and
   against the command's in-process path (the same parts and merge, no job).
2. Job overhead: a kind registered here whose chunks do nothing, run with
   ``CHUNKS`` chunks the same way (start, plan, one task per chunk, finish), set
   against calling its chunk function directly ``CHUNKS`` times. The per-chunk
   figure is (job of ``CHUNKS`` chunks − job of one chunk) / (``CHUNKS`` − 1), so
   the fixed cost of starting, planning and finishing is not spread over the
   chunks; the queries per chunk are counted too (a figure load does not change).

Standalone: ``DATABASE_URL=postgres://… python bench/jobs.py``.
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, scratch_database, stop_server

#: The prefecture's credential holders (the demo's 5,235 staff hold about 4,870).
HOLDERS = int(os.environ.get("BENCH_JOBS_HOLDERS", "4810"))
WORKER_SETTINGS = "bench.jobs_worker_settings"
WORKER_BROKER = os.environ.get("BENCH_JOBS_REDIS_URL", "redis://127.0.0.1:6379/9")
WORKER_TIMEOUT = 300
CHUNKS = 200
REPEAT = 5
NOOP_KIND = "bench.noop"


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # Every task runs in this process, on commit of the transaction that sends it.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    import logging

    import django

    django.setup()
    logging.disable(logging.WARNING)
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)


def _seed_holders(year: int):
    """Staff with credentials (about ``HOLDERS``), last year's history, the year closed and reviewed."""
    from accounts.models import OrgUnit, User
    from demo import people as demo
    from demo.ledger import seed_ledger_history
    from learning.services.yearclose import close_year
    from review.models import AnnualReviewOutcome
    from review.services.review import run_annual_review

    # About 93 % of the demo's staff hold a credential.
    demo.seed_staff(round(HOLDERS / 0.93), demo.seed_org())
    staff = list(User.objects.order_by("pk"))
    seed_ledger_history(staff, year, rng=random.Random(year))
    close_year(year=year)
    run_annual_review(year=year)
    admin = User.objects.create_superuser(
        "bench-admin", "x", full_name="基准管理员", org_unit=OrgUnit.get_root_nodes()[0]
    )
    return admin, AnnualReviewOutcome.objects.filter(year=year).count()


def _run_job(start) -> tuple[float, object]:
    """Start a job (everything runs eagerly on commit) and return (seconds, the finished job)."""
    from jobs.models import Job

    started = time.perf_counter()
    job = start()
    elapsed = time.perf_counter() - started
    job.refresh_from_db()
    if job.status != Job.Status.DONE:
        raise RuntimeError(f"job {job.kind} ended as {job.status}: {job.error}")
    return elapsed, job


def roster_pdf(admin, year: int, holders: int) -> list[tuple[str, object]]:
    from pypdf import PdfReader
    from reportlab.platypus import SimpleDocTemplate

    from review import export
    from review.selectors.review import roster, roster_counts

    params = {"year": year, "result": "", "q": ""}

    def start():
        return export.start_roster_export(viewer=admin, unit=None, params=params, fmt="pdf")

    cpu_started = time.process_time()
    job_seconds, job = _run_job(start)
    job_cpu = time.process_time() - cpu_started
    pdf_bytes = job.result_file.size
    with job.result_file.open("rb") as handle:
        pages = len(PdfReader(handle).pages)
    job.result_file.delete(save=False)

    # The same rows, in the same order, as one platypus table in one document; the cells are made before the clock.
    outcomes = list(roster(admin, None, year))
    totals, unit_rows = roster_counts(admin, None, year)
    export.roster_font()
    table = export._roster_table(outcomes, start=1)
    document = SimpleDocTemplate(
        io.BytesIO(),
        pagesize=(export.PAGE_WIDTH, export.PAGE_HEIGHT),
        leftMargin=export.MARGIN_X,
        rightMargin=export.MARGIN_X,
        topMargin=export.MARGIN_TOP,
        bottomMargin=export.MARGIN_BOTTOM,
    )
    started = time.process_time()
    document.build([table])
    bare_cpu = time.process_time() - started

    started = time.process_time()
    export.roster_pdf(outcomes=outcomes, year=year, scope_label="全部管辖范围", totals=totals, unit_rows=unit_rows)
    in_process_cpu = time.process_time() - started
    return [
        ("roster_pdf_holders", holders),
        ("roster_pdf_parts", len(job.chunks)),
        ("roster_pdf_pages", pages),
        ("roster_pdf_megabytes", pdf_bytes / 1_000_000),
        ("roster_pdf_job_seconds", job_seconds),
        ("roster_pdf_ms_per_holder", job_cpu * 1000 / holders),
        ("roster_pdf_bare_platypus_one_table_ms_per_holder", bare_cpu * 1000 / holders),
        ("roster_pdf_in_process_parts_and_merge_ms_per_holder", in_process_cpu * 1000 / holders),
        ("roster_pdf_job_vs_bare_platypus_ratio", job_cpu / bare_cpu),
        ("roster_pdf_job_vs_in_process_ratio", job_cpu / in_process_cpu),
    ]


def _register_noop() -> None:
    from jobs import registry
    from jobs.registry import JobKind, Plan

    registry.register(
        JobKind(
            name=NOOP_KIND,
            label="基准：空任务",
            unit_label="块",
            download_label="",
            plan=lambda job: Plan(chunks=[{"size": 1} for _ in range(job.parameters["chunks"])]),
            run_chunk=_noop_chunk,
            finish=lambda job: None,
        )
    )


def _noop_chunk(job, index: int, chunk: dict) -> None:
    return None


def job_overhead(admin) -> list[tuple[str, object]]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jobs.models import Job
    from jobs.services import start_job

    _register_noop()
    runs = iter(range(10**6))

    def start(chunks: int):
        # A new parameter each time: an unfinished job of the same parameters would be reused instead.
        return lambda: start_job(
            kind=NOOP_KIND, requested_by=admin, parameters={"chunks": chunks, "run": next(runs)}, scope_unit=None
        )

    _run_job(start(CHUNKS))  # warm-up
    with CaptureQueriesContext(connection) as many_queries:
        _run_job(start(CHUNKS))
    with CaptureQueriesContext(connection) as one_queries:
        _run_job(start(1))
    many, one = [], []
    for _ in range(REPEAT):  # interleaved so that load on the machine hits both alike
        many.append(_run_job(start(CHUNKS))[0])
        one.append(_run_job(start(1))[0])
    many_s, one_s = statistics.median(many), statistics.median(one)
    job = Job.objects.filter(kind=NOOP_KIND).order_by("-pk").first()

    direct = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        for index in range(CHUNKS):
            _noop_chunk(job, index, {"size": 1})
        direct.append(time.perf_counter() - started)
    direct_per_chunk = statistics.median(direct) / CHUNKS
    per_chunk = (many_s - one_s) / (CHUNKS - 1)
    queries_per_chunk = (len(many_queries) - len(one_queries)) / (CHUNKS - 1)
    return [
        ("job_noop_chunks", CHUNKS),
        ("job_noop_1_chunk_ms", one_s * 1000),
        (f"job_noop_{CHUNKS}_chunks_ms", many_s * 1000),
        ("job_overhead_per_chunk_ms", per_chunk * 1000),
        ("job_overhead_queries_per_chunk", queries_per_chunk),
        ("job_chunk_function_direct_us", direct_per_chunk * 1_000_000),
        ("job_per_chunk_vs_direct_call_ratio", per_chunk / direct_per_chunk),
    ]


def two_workers(url: str, year: int, admin_id: int, holders: int) -> list[tuple[str, object]]:
    """The prefecture's roster PDF as people get it: a job on real Celery workers (two processes), timed from
    the start to the finished file, in a process of its own that sends the tasks through Redis."""
    import subprocess
    import tempfile

    import redis

    redis.Redis.from_url(WORKER_BROKER).flushdb()
    with tempfile.TemporaryDirectory(prefix="fazhi-bench-jobs-") as files:
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "DJANGO_SETTINGS_MODULE": WORKER_SETTINGS,
            "CELERY_BROKER_URL": WORKER_BROKER,
            "CELERY_RESULT_BACKEND": WORKER_BROKER,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "BENCH_PRIVATE_MEDIA_ROOT": files,
        }
        worker = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "-P", "prefork", "-c", "2"]
            + ["-Q", "default,bulk", "--without-gossip", "--without-mingle", "-l", "WARNING"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        try:
            timed = subprocess.run(
                [sys.executable, __file__, "--roster-on-workers", str(year), str(admin_id)],
                env=env,
                capture_output=True,
                text=True,
                timeout=WORKER_TIMEOUT,
            )
        finally:
            stop_server(worker)
    if timed.returncode != 0:
        raise RuntimeError(timed.stderr[-3000:] + (worker.stderr.read() or b"").decode()[-2000:])
    seconds, parts, load = timed.stdout.split()
    return [
        ("annual_review_pdf_prefecture_holders", holders),
        ("annual_review_pdf_prefecture_parts", int(parts)),
        ("annual_review_pdf_prefecture_seconds (goal <= 30, 2 workers)", float(seconds)),
        ("annual_review_pdf_prefecture_load_average_at_end", load),
    ]


def _roster_on_workers(year: int, admin_id: int) -> None:
    """In the timing process: start the roster job as the page does, wait until its file is there."""
    import django

    django.setup()
    from accounts.models import User
    from jobs.models import Job
    from review import export

    admin = User.objects.get(pk=admin_id)
    time.sleep(3)  # the workers connect to the broker
    started = time.perf_counter()
    job = export.start_roster_export(viewer=admin, unit=None, params={"year": year, "result": "", "q": ""}, fmt="pdf")
    while True:
        job.refresh_from_db()
        if not job.is_active:
            break
        if time.perf_counter() - started > WORKER_TIMEOUT - 10:
            raise RuntimeError(f"roster job still {job.status} after {WORKER_TIMEOUT - 10} s")
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if job.status != Job.Status.DONE or not job.result_file:
        raise RuntimeError(f"roster job ended as {job.status}: {job.error}")
    print(f"{seconds:.3f} {len(job.chunks)} {os.getloadavg()[0]:.2f}")


def run() -> list[tuple[str, object]]:
    url = scratch_database("jobs")
    _setup(url)
    from core import timeutil

    year = timeutil.current_year() - 1
    admin, holders = _seed_holders(year)
    results = job_overhead(admin)
    results += roster_pdf(admin, year, holders)
    results += two_workers(url, year, admin.pk, holders)
    return results


if __name__ == "__main__":
    if sys.argv[1:2] == ["--roster-on-workers"]:
        _roster_on_workers(int(sys.argv[2]), int(sys.argv[3]))
    else:
        emit(run())
