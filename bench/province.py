"""Province scale: every page HR, an administrator and a learner open, at 52,350 staff (10× the prefecture).

Seed (each step timed; bulk inserts and COPY): ``seed_demo``'s own steps — the
organisation, the demo accounts with their TOTP, laws, courses, sessions, a study
plan and this year's annual law exam — with 52,350 staff instead of 5,235 (so
about 48,700 credentials), a year of ledger history for last year and for this
one, last year closed and reviewed (one outcome per credential), and graded
attempts at this year's annual exam (about 80 % of the staff passed, some at the
second attempt; 8 % failed; the rest did not sit it).

Pages: four people — HR of the whole prefecture, HR of one county (莎车县), the
administrator and a learner — are signed in through ``django.test.Client`` with
what allauth writes on a password + TOTP sign-in, and open every page of their
navigation plus the drill-downs (a person, their ledger, their credential), the
exports (a GET answers the file, or for a large one the page offering its job),
and the POSTs that start a job (the request only: the job is enqueued on an
in-memory broker, never run; an export small enough is answered in the request). Each
figure is the median of ``REPEAT`` runs, interleaved page by page so that load on
the machine hits all alike. The compliance, at-risk and path pages are timed again
once category minimums are configured. Nothing is asserted; a line over
``LIMIT_MS`` says so in its name.

Sizes: before the 52,350-staff run, the same script runs in a process of its own at the
prefecture's 5,235 (``BENCH_PROVINCE_BASELINE_STAFF``; its own database), and again after it
on the same database (the two timings averaged: the machine's speed drifts over the minutes
between them), and every page of
the HR and learner navigation gets a ``*_52k_vs_5k_ratio`` (goal ≤ 3; exports are linear by
nature and set against openpyxl alone in the compliance benchmark). With the two category
minimums on, each HR officer's compliance page is also set against ``MINIMUMS_SQL``, the same
per-unit totals written by hand over the balance tables (``*_vs_balance_sql_ratio``, goal ≤ 10).

Standalone: ``DATABASE_URL=postgres://… python bench/province.py [--reuse]``. It
works in a database of its own (``<db>_bench_province``); ``--reuse`` keeps one
seeded by an earlier run and only times the pages again.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import emit, scratch_database, signed_in_client

PROVINCE = 52350
STAFF = int(os.environ.get("BENCH_PROVINCE_STAFF", str(PROVINCE)))
#: The prefecture's size, timed in a process of its own for the ``*_52k_vs_5k_ratio`` figures ("0": skip).
BASELINE_STAFF = int(os.environ.get("BENCH_PROVINCE_BASELINE_STAFF", "5235"))
RATIO_GOAL = 3
REPEAT = int(os.environ.get("BENCH_PROVINCE_REPEAT", "5"))
EXPORT_REPEAT = 3
LIMIT_MS = 2000
COUNTY = "SCX"  # 莎车县: the county HR's unit
MINIMA = {"legal": Decimal("20"), "professional": Decimal("16")}


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.test"
    # A started job is only enqueued (in this process's memory): the request is what is timed here.
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "false"
    os.environ["CELERY_BROKER_URL"] = "memory://"
    os.environ.pop("CELERY_RESULT_BACKEND", None)
    import logging
    import warnings

    import django

    django.setup()
    logging.disable(logging.WARNING)  # a log line per (slow) request would drown the figures
    warnings.filterwarnings("ignore", message="No directory at")
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False


# --- seed -------------------------------------------------------------------------


def _timed(results: list, name: str, fn, *args, **kwargs):
    started = time.perf_counter()
    value = fn(*args, **kwargs)
    results.append((f"province_seed_{name}_seconds", time.perf_counter() - started))
    print(f"# seeded {name} in {results[-1][1]:.1f} s", file=sys.stderr, flush=True)
    return value


def _seed_exam_attempts(year: int, rng: random.Random) -> dict[str, int]:
    """Graded attempts at this year's annual exam: ~80 % passed (a tenth of them at the second try), ~8 % failed."""
    from django.utils import timezone

    from accounts.models import User
    from exams.models import Exam, ExamAttempt
    from exams.services.counted import recount

    exam = Exam.objects.get(is_annual_law_exam=True, year=year, makeup_for__isnull=True)
    now = timezone.now()
    graded = ExamAttempt.Status.GRADED
    attempts, passed, failed = [], 0, 0

    def attempt(user_id: int, number: int, score: int, started: dt.datetime) -> ExamAttempt:
        return ExamAttempt(
            exam=exam,
            user_id=user_id,
            number=number,
            started_at=started,
            deadline=started + dt.timedelta(minutes=exam.duration_minutes),
            status=graded,
            submitted_at=started + dt.timedelta(minutes=rng.randint(8, 29)),
            finalised_by=ExamAttempt.ClosedBy.LEARNER,
            graded_at=started + dt.timedelta(minutes=30),
            max_score=Decimal("100"),
            score=Decimal(score),
            passed=score >= 60,
        )

    people = User.objects.filter(employee_no__startswith="KS", is_active=True).order_by("pk")
    for user_id in people.values_list("pk", flat=True).iterator(chunk_size=5000):
        roll = rng.random()
        started = now - dt.timedelta(hours=2, minutes=rng.randint(0, 20 * 60))
        if roll < 0.80:
            if rng.random() < 0.1:
                attempts.append(attempt(user_id, 1, rng.randint(30, 58), started - dt.timedelta(hours=1)))
                attempts.append(attempt(user_id, 2, rng.randint(60, 100), started))
            else:
                attempts.append(attempt(user_id, 1, rng.randint(60, 100), started))
            passed += 1
        elif roll < 0.88:
            attempts.append(attempt(user_id, 1, rng.randint(20, 58), started))
            failed += 1
    ExamAttempt.objects.bulk_create(attempts, batch_size=5000)
    recount(exam_ids=[exam.pk])  # what grading would have marked: each person's result
    return {"attempts": len(attempts), "passed": passed, "failed": failed}


def _learner(year: int):
    """A staff member of the county with a credential, a full year of history and last year met: the learner."""
    from learning.models import YearStatus

    status = (
        YearStatus.objects.filter(
            year=year - 1,
            compliant=True,
            user__org_unit__code__startswith=f"{COUNTY}-D",
            user__credentials__isnull=False,
        )
        .select_related("user")
        .order_by("user__employee_no")
        .first()
    )
    return status.user


def _certificate(learner, year: int) -> None:
    from certificates.services.certificates import ensure_pdf, issue_annual_certificate

    ensure_pdf(issue_annual_certificate(holder=learner, year=year - 1).certificate)


def seed(year: int) -> list[tuple[str, object]]:
    from django.db import connection

    from demo import people as demo
    from demo.management.commands.seed_demo import Command

    results: list[tuple[str, object]] = []
    command = Command(stdout=io.StringIO(), stderr=io.StringIO())
    workplaces = _timed(results, "org", demo.seed_org)
    _timed(results, f"{STAFF}_staff_and_credentials", demo.seed_staff, STAFF, workplaces)
    _timed(results, "demo_accounts", command._demo_accounts)
    _timed(results, "laws_courses_exam_sessions_plan", lambda: [s() for s in command._content_steps()[:3]])
    _timed(results, "ledger_two_years", command._ledger_history)
    _timed(results, "close_last_year_and_review", command._review)
    attempts = _timed(results, "annual_exam_attempts", _seed_exam_attempts, year, random.Random(year))
    _timed(results, "learner_certificate", _certificate, _learner(year), year)
    with connection.cursor() as cursor:
        # What autovacuum leaves a production database in after a bulk load: statistics, and the visibility map
        # that lets a covering index answer without the table (the passers' index). This machine's server may
        # run without autovacuum; a page is timed on a database as it stands in service, not mid-load.
        _timed(results, "vacuum_analyze", cursor.execute, "VACUUM (ANALYZE)")
    results.append(("province_seed_total_seconds", sum(v for _n, v in results)))
    results.append(("province_exam_attempts", attempts["attempts"]))
    results.append(("province_exam_passed_people", attempts["passed"]))
    return results


def _figures(year: int) -> list[tuple[str, object]]:
    from accounts.models import Credential, User
    from exams.models import ExamAttempt
    from learning.models import LedgerEntry
    from review.models import AnnualReviewOutcome

    return [
        ("province_staff", User.objects.filter(employee_no__startswith="KS").count()),
        ("province_credentials", Credential.objects.count()),
        ("province_ledger_entries", LedgerEntry.objects.count()),
        ("province_review_outcomes_last_year", AnnualReviewOutcome.objects.filter(year=year - 1).count()),
        ("province_graded_annual_exam_attempts", ExamAttempt.objects.filter(exam__year=year).count()),
    ]


# --- signing in and timing --------------------------------------------------------


class Page:
    """One request a person makes: GET (or POST) ``url``, expecting ``status``."""

    def __init__(
        self, persona: str, name: str, client, url: str, *, method: str = "get", data=None, status=200, follow=False
    ):
        self.name = f"province_{persona}_{name}"
        self.client, self.url, self.method, self.data, self.status = client, url, method, data, status
        self.follow = follow
        self.times: list[float] = []
        self.queries = 0

    def hit(self) -> float:
        started = time.perf_counter()
        response = getattr(self.client, self.method)(self.url, self.data or {}, follow=self.follow)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        elapsed = time.perf_counter() - started
        expected = self.status if isinstance(self.status, tuple) else (self.status,)
        if response.status_code not in expected:
            raise RuntimeError(f"{self.method.upper()} {self.url}: {response.status_code}, expected {self.status}")
        self.answer = f"{response.status_code} {response.get('Content-Type', '')}"
        return elapsed

    def warm(self) -> None:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            self.hit()
        self.queries = len(captured)
        self.slowest_sql = sorted(captured.captured_queries, key=lambda q: -float(q["time"]))[:3]


def _time_pages(pages: list[Page], repeat: int, before_each=None) -> None:
    for page in pages:
        if before_each:
            before_each()
        page.warm()
    for _round in range(repeat):
        for page in pages:
            if before_each:
                before_each()
            page.times.append(page.hit())


def _report(pages: list[Page]) -> list[tuple[str, object]]:
    results = []
    for page in pages:
        ms = statistics.median(page.times) * 1000
        mark = f" [OVER {LIMIT_MS} ms]" if ms > LIMIT_MS else ""
        results.append((f"{page.name}_ms{mark}", ms))
        if page.method == "post" or "export" in page.name:
            print(f"# {page.name}: answered {page.answer}", flush=True)
        if ms > LIMIT_MS:
            print(f"# {page.name}: {page.queries} queries; slowest:", flush=True)
            for query in page.slowest_sql:
                print(f"#   {float(query['time']) * 1000:.0f} ms  {query['sql'][:300]}", flush=True)
    return results


def _nav_pages(persona: str, client, user, known: set[str]) -> list[Page]:
    """Every page of the person's navigation not timed under a name of its own."""
    from core.navigation import collect

    pages = []
    for item in collect(user):
        path = item.url.split("?")[0]
        if path in known:
            continue
        known.add(path)
        name = path.strip("/").replace("/", "_").replace("-", "_") or "home"
        pages.append(Page(persona, f"nav_{name}", client, item.url, follow=True))
    return pages


def _hr_pages(persona: str, client, user, *, learner, credential, year: int, unit_code: str) -> dict[str, list[Page]]:
    last = year - 1
    pages = [
        Page(persona, "home", client, "/"),
        Page(persona, "compliance", client, f"/learning/compliance/?year={year}"),
        Page(persona, "review_at_risk", client, "/learning/review/"),
        Page(persona, "review_roster", client, f"/learning/review/roster/?year={last}"),
        Page(persona, "staff_list", client, "/staff/"),
        Page(persona, "staff_detail", client, f"/staff/{learner.employee_no}/"),
        Page(persona, "person_ledger", client, f"/learning/compliance/person/{learner.pk}/?year={year}"),
        Page(persona, "credential", client, f"/learning/review/credential/{credential.pk}/"),
        Page(persona, "certificates_bulk", client, "/certificates/bulk/"),
        Page(persona, "jobs", client, "/jobs/"),
    ]
    known = {p.url.split("?")[0] for p in pages}
    pages += _nav_pages(persona, client, user, known)
    # Large exports are being moved into jobs: a GET answers either the file or a page asking to start the job.
    exports = [
        Page(persona, "export_compliance_xlsx_get", client, f"/learning/compliance/export.xlsx?year={year}"),
        Page(persona, "export_staff_xlsx_get", client, "/staff/export.xlsx"),
    ]
    starts = [
        Page(
            persona,
            "start_roster_pdf_job",
            client,
            f"/learning/review/roster/export.pdf?year={last}",
            method="post",
            status=302,
        ),
        Page(
            persona,
            "start_roster_xlsx_job",
            client,
            f"/learning/review/roster/export.xlsx?year={last}",
            method="post",
            status=302,
        ),
        Page(
            persona,
            "start_bulk_certificates_job",
            client,
            "/certificates/bulk/",
            method="post",
            data={"year": last, "unit": unit_code},
            status=302,
        ),
        # 302 to the job's page; 200 when the file is still written inside the request.
        Page(
            persona,
            "start_compliance_export",
            client,
            f"/learning/compliance/export.xlsx?year={year}",
            method="post",
            status=(200, 302),
        ),
        Page(persona, "start_staff_export", client, "/staff/export.xlsx", method="post", status=(200, 302)),
    ]
    return {"pages": pages, "exports": exports, "starts": starts}


def _learner_pages(client, user) -> list[Page]:
    pages = [
        Page("learner", "home", client, "/"),
        Page("learner", "my_hours", client, "/learning/hours/"),
        Page("learner", "my_path", client, "/learning/path/"),
        Page("learner", "certificates", client, "/certificates/"),
        Page("learner", "exams", client, "/exams/"),
        Page("learner", "messages", client, "/learning/messages/"),
    ]
    known = {p.url.split("?")[0] for p in pages}
    return pages + _nav_pages("learner", client, user, known)


def _cancel_jobs() -> None:
    """Let the next POST start a job of its own instead of finding the last one still pending."""
    from jobs.models import Job

    Job.objects.filter(status__in=Job.ACTIVE).update(status=Job.Status.CANCELLED)


def _set_minima(year: int, on: bool) -> None:
    from accounts.models import StaffCategory
    from learning.models import AnnualRequirement, CategoryMinimum

    AnnualRequirement.objects.filter(year=year).delete()
    if not on:
        return
    for staff_category in (StaffCategory.ENFORCEMENT, StaffCategory.LEADER):
        requirement = AnnualRequirement.objects.create(
            year=year, staff_category=staff_category, required_hours=Decimal("60")
        )
        CategoryMinimum.objects.bulk_create(
            [CategoryMinimum(requirement=requirement, category_id=code, min_hours=h) for code, h in MINIMA.items()]
        )


def time_pages(year: int) -> list[tuple[str, object]]:
    from accounts.models import Credential, OrgUnit, User

    _set_minima(year, False)
    _cancel_jobs()
    learner = _learner(year)
    credential = Credential.objects.filter(holder=learner).order_by("pk").first()
    people = {
        "hr_prefecture": (User.objects.get(employee_no="demo_hr_pref"), "KS"),
        "hr_county": (User.objects.get(employee_no="demo_hr"), COUNTY),
        "admin": (User.objects.get(employee_no="demo_admin"), "KS"),
    }
    pages, exports, starts = [], [], []
    for persona, (user, code) in people.items():
        unit = OrgUnit.objects.get(code=code)
        found = _hr_pages(
            persona,
            signed_in_client(user),
            user,
            learner=learner,
            credential=credential,
            year=year,
            unit_code=str(unit.pk),
        )
        pages += found["pages"]
        exports += found["exports"]
        starts += found["starts"]
    learner_client = signed_in_client(learner)
    pages += _learner_pages(learner_client, learner)

    print(f"# timing {len(pages)} pages × {REPEAT}", file=sys.stderr, flush=True)
    _time_pages(pages, REPEAT)
    _time_pages(starts, REPEAT, before_each=_cancel_jobs)
    _cancel_jobs()
    print(f"# timing {len(exports)} exports × {EXPORT_REPEAT}", file=sys.stderr, flush=True)
    _time_pages(exports, EXPORT_REPEAT)

    _set_minima(year, True)
    with_minima = []
    for page in pages:
        if page.name.endswith(("_compliance", "_review_at_risk", "_home", "_my_path")):
            again = Page("", "", page.client, page.url, follow=page.follow)
            again.name = f"{page.name}_with_minima"
            with_minima.append(again)
    print(f"# timing {len(with_minima)} pages with category minimums × {REPEAT}", file=sys.stderr, flush=True)
    _time_pages(with_minima, REPEAT)
    bare = _minimums_sql(year, people)
    _set_minima(year, False)

    timed = pages + starts + exports + with_minima
    results = _report(timed)
    slowest = max(timed, key=lambda p: statistics.median(p.times))
    slowest_ms = statistics.median(slowest.times) * 1000
    over = [p for p in timed if statistics.median(p.times) * 1000 > LIMIT_MS]
    results += [
        ("province_requests_timed", len(timed)),
        ("province_slowest_request", slowest.name),
        ("province_slowest_request_ms", slowest_ms),
        (f"province_requests_over_{LIMIT_MS}_ms", len(over)),
    ]
    for persona, seconds in bare.items():
        page = next(p for p in with_minima if p.name == f"province_{persona}_compliance_with_minima")
        page_ms = statistics.median(page.times) * 1000
        results.append((f"province_{persona}_compliance_minimums_bare_sql_ms", seconds * 1000))
        results.append((f"province_{persona}_compliance_minimums_vs_balance_sql_ratio", page_ms / (seconds * 1000)))
    return results


#: The compliance page's totals per row unit with two category minimums, written by hand over the balance tables:
#: the floor for the page (headcount, compliant — total and each minimum met —, behind pace, hours).
MINIMUMS_SQL = """
SELECT substr(o.path, 1, %(depth)s) AS grp, COUNT(*),
       COUNT(*) FILTER (WHERE COALESCE(b.total_hours, 0) >= COALESCE(r.required_hours, 0)
                          AND COALESCE(legal.hours, 0) >= %(legal)s
                          AND COALESCE(professional.hours, 0) >= %(professional)s),
       COUNT(*) FILTER (WHERE COALESCE(b.total_hours, 0) < COALESCE(r.required_hours, 0) * %(pace)s),
       SUM(COALESCE(b.total_hours, 0))
FROM accounts_user u
JOIN accounts_orgunit o ON o.id = u.org_unit_id
LEFT JOIN learning_annualrequirement r ON r.year = %(year)s AND r.staff_category = u.staff_category
LEFT JOIN learning_personyearbalance b ON b.user_id = u.id AND b.year = %(year)s
LEFT JOIN learning_personyearcategorybalance legal
       ON legal.user_id = u.id AND legal.year = %(year)s AND legal.category_code = 'legal'
LEFT JOIN learning_personyearcategorybalance professional
       ON professional.user_id = u.id AND professional.year = %(year)s AND professional.category_code = 'professional'
WHERE u.is_active AND o.path LIKE %(prefix)s
GROUP BY grp
"""


def _minimums_sql(year: int, people: dict) -> dict[str, float]:
    """Median seconds of ``MINIMUMS_SQL`` over each HR officer's scope (their compliance page's unit and rows)."""
    from django.db import connection

    from accounts.models import OrgUnit

    medians = {}
    for persona in ("hr_prefecture", "hr_county"):
        unit = OrgUnit.objects.get(code=people[persona][1])
        params = {
            "year": year,
            "prefix": unit.path + "%",
            "depth": len(unit.path) + OrgUnit.steplen,
            "pace": 0.5,
            **{code: hours for code, hours in MINIMA.items()},
        }
        times = []
        with connection.cursor() as cursor:
            for round_ in range(REPEAT + 1):
                started = time.perf_counter()
                cursor.execute(MINIMUMS_SQL, params)
                cursor.fetchall()
                if round_:  # the first run warms the cache, as the page's warm-up does
                    times.append(time.perf_counter() - started)
        medians[persona] = statistics.median(times)
    return medians


def _seeded(url: str) -> bool:
    """Whether ``url`` holds a finished seed (the last step writes the exam attempts)."""
    import psycopg

    try:
        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
            staff = conn.execute("SELECT count(*) FROM accounts_user WHERE employee_no LIKE 'KS%%'").fetchone()[0]
            attempts = conn.execute("SELECT count(*) FROM exams_examattempt").fetchone()[0]
    except psycopg.Error:
        return False
    return staff >= STAFF and attempts > 0


def _baseline(reuse: bool, when: str = "first") -> dict[str, float]:
    """The page times at ``BASELINE_STAFF``, from this script run in a process (and database) of its own."""
    import subprocess

    env = {**os.environ, "BENCH_PROVINCE_STAFF": str(BASELINE_STAFF), "BENCH_PROVINCE_BASELINE_STAFF": "0"}
    argv = [sys.executable, __file__, *(["--reuse"] if reuse else [])]
    print(f"# timing the pages at {BASELINE_STAFF} staff {when}", file=sys.stderr, flush=True)
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, check=True)
    found = {}
    for line in proc.stdout.splitlines():
        name, _, value = line.partition(": ")
        name = name.split(" [")[0]
        if name.endswith("_ms") or name.endswith("_ratio"):
            found[name] = float(value)
    return found


def ratios(small: dict[str, float], large: list[tuple[str, object]]) -> list[tuple[str, object]]:
    """``*_52k_vs_5k_ratio`` for every page of the HR and learner navigation (requests that start a job or
    answer an export are linear by nature: the compliance benchmark sets exports against openpyxl alone)."""
    results, worst = [], ("", 0.0)
    for name, value in large:
        name = name.split(" [")[0]
        if not name.endswith("_ms") or name not in small or "_start_" in name or "_export_" in name:
            continue
        if "bare_sql" in name or name.startswith(("province_slowest", "province_requests_over")) or not small[name]:
            continue
        ratio = float(value) / small[name]
        results.append((f"{name[: -len('_ms')]}_52k_vs_5k_ratio", ratio))
        worst = max(worst, (name, ratio), key=lambda item: item[1])
    at_risk = {n: r for n, r in results if n.endswith("_review_at_risk_52k_vs_5k_ratio")}
    over = [n for n, r in results if r > RATIO_GOAL]
    results += [
        (f"at_risk_52k_vs_5k_ratio (goal <= {RATIO_GOAL}, the worst of the HR officers)", max(at_risk.values())),
        (f"province_pages_52k_vs_5k_over_{RATIO_GOAL}", len(over)),
        ("province_pages_52k_vs_5k_worst", f"{worst[0]} {worst[1]:.2f}"),
    ]
    county = "province_hr_county_compliance_minimums_vs_balance_sql_ratio"
    for name, value in large:
        if name == county:
            results.append(("compliance_minimums_vs_balance_sql_ratio (goal <= 10, county HR at 52k)", value))
            if county in small:
                results.append(("compliance_minimums_vs_balance_sql_ratio_at_5k", small[county]))
    return results


def run(*, reuse: bool = False) -> list[tuple[str, object]]:
    small = _baseline(reuse) if BASELINE_STAFF and STAFF == PROVINCE else None
    suffix = "province" if STAFF == PROVINCE else f"province_{STAFF}"
    if reuse:
        url, existed = scratch_database(suffix, keep=True)
        if existed and not _seeded(url):
            url, existed = scratch_database(suffix), False
    else:
        url, existed = scratch_database(suffix), False
    _setup(url)
    from core import timeutil

    year = timeutil.current_year()
    results = [] if existed else seed(year)
    results += _figures(year)
    results += time_pages(year)
    if small is not None:
        # Once more after the large run, on the same seeded database: this machine's speed drifts over minutes,
        # and the baseline taken on both sides of the large run puts the drift on both sides of each ratio.
        after = _baseline(True, when="again")
        small = {name: (value + after[name]) / 2 for name, value in small.items() if name in after}
        results += ratios(small, results)
    return results


if __name__ == "__main__":
    emit(run(reuse="--reuse" in sys.argv[1:]))
