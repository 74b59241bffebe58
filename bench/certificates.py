"""Certificates: one render against bare xhtml2pdf, and the bulk issue of 5,235 annual certificates.

1. Render ratio: ``render_certificate_pdf`` (template + QR code + seal + xhtml2pdf)
   against ``pisa.CreatePDF`` on the very same HTML, in this process, medians
   of repeated runs (target ≤ 2×).
2. Bulk issue: a scratch PostgreSQL database with the seeded prefecture
   (5,235 staff, every one over the year's requirement), ``celery -A config
   worker -c 2`` started as a subprocess over Redis, and one bulk job for the
   whole prefecture timed from the request to the finished ZIP (target ≤ 300 s).

Standalone: ``DATABASE_URL=postgres://… python bench/certificates.py``.
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, emit, manage, scratch_database

STAFF = 5235
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
SETTINGS = os.environ.get("BENCH_SETTINGS", "config.settings.dev")


def _settings_env(database_url: str, private_root: str) -> dict[str, str]:
    """What this process and its Celery workers are configured with (the same database, broker and files)."""
    return {
        "DATABASE_URL": database_url,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DEBUG": "false",
        "CELERY_BROKER_URL": REDIS_URL,
        "CELERY_RESULT_BACKEND": REDIS_URL,
        "PRIVATE_MEDIA_ROOT": private_root,
    }


def _setup_django(database_url: str, private_root: str) -> None:
    os.environ.update(_settings_env(database_url, private_root))
    import django

    django.setup()


def render_ratio(repeat: int = 15) -> list[tuple[str, object]]:
    """Our render vs bare xhtml2pdf on the same HTML (a fresh verification code each time)."""
    import io

    from xhtml2pdf import pisa

    from certificates.models import Certificate, CertificateSettings
    from certificates.render import certificate_html, link_callback, render_certificate_pdf, resource_policy
    from certificates.services.certificates import new_verification_code

    cert_settings = CertificateSettings(authority_name="喀什地区全面依法治地委员会办公室", signatory="（盖章）")
    certificate = Certificate(
        kind="annual",
        year=2026,
        serial="KS-2026-TR-000123",
        verification_code=new_verification_code(),
        details={
            "name": "艾力·买买提",
            "unit": "莎车县市场监督管理局",
            "credential_no": "65310019001234",
            "year": 2026,
            "hours": "62.5",
            "required_hours": "60",
            "issued_on": "2026-12-31",
            "breakdown": [
                {"label": "法律知识", "hours": "32"},
                {"label": "业务知识", "hours": "24.5"},
                {"label": "其他", "hours": "6"},
            ],
            "authority": cert_settings.authority_name,
            "signatory": cert_settings.signatory,
        },
    )
    html = certificate_html(certificate, cert_settings)

    def bare():
        pisa.CreatePDF(html, dest=io.BytesIO(), link_callback=link_callback, resource_policy=resource_policy())

    def ours():
        certificate.verification_code = new_verification_code()
        render_certificate_pdf(certificate, cert_settings)

    bare(), ours()  # warm: font parsing, imports
    bare_times, our_times = [], []
    for _ in range(repeat):  # interleaved so that load on the machine hits both alike
        started = time.perf_counter()
        bare()
        bare_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        ours()
        our_times.append(time.perf_counter() - started)
    bare_s, ours_s = statistics.median(bare_times), statistics.median(our_times)
    return [
        ("certificate_render_bare_xhtml2pdf_seconds", bare_s),
        ("certificate_render_ours_seconds", ours_s),
        ("certificate_render_ratio_vs_bare (target <= 2)", ours_s / bare_s),
    ]


def _make_everyone_compliant(year: int) -> int:
    """Every seeded person gets 62 hours in ``year`` (ledger rows and their balances, in bulk)."""
    import datetime as dt
    from decimal import Decimal

    from accounts.models import User
    from learning.models import LedgerEntry, PersonYearBalance, PersonYearCategoryBalance, SourceKind
    from learning.services.ledger import ensure_default_categories

    ensure_default_categories()
    ids = list(User.objects.filter(is_active=True).values_list("pk", flat=True))
    day = dt.date(year, 6, 9)
    split = (("legal", Decimal("32")), ("professional", Decimal("30")))
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                user_id=pk,
                hours=hours,
                category_id=code,
                source_kind=SourceKind.MANUAL,
                source_key=f"bench:{year}:{code}:{pk}",
                source_ref="基准测试",
                earned_on=day,
                year=year,
            )
            for pk in ids
            for code, hours in split
        ],
        batch_size=2000,
    )
    PersonYearBalance.objects.bulk_create(
        [PersonYearBalance(user_id=pk, year=year, total_hours=Decimal("62")) for pk in ids], batch_size=2000
    )
    PersonYearCategoryBalance.objects.bulk_create(
        [PersonYearCategoryBalance(user_id=pk, year=year, category_id=c, hours=h) for pk in ids for c, h in split],
        batch_size=2000,
    )
    return len(ids)


def _start_worker(database_url: str, private_root: str, log) -> subprocess.Popen:
    env = {**os.environ, **_settings_env(database_url, private_root)}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-c",
            "2",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
        start_new_session=True,
    )


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (Linux /proc): a figure the machine's load does not inflate."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += _cpu_seconds(int(child))
    except (OSError, ValueError, IndexError):
        pass
    return total


def _stop(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def bulk_issue(database_url: str, private_root: str) -> list[tuple[str, object]]:
    import redis
    from django.db import transaction

    from accounts.models import OrgUnit, Role, User
    from certificates.models import Certificate
    from certificates.services.certificates import start_bulk_issue
    from core import timeutil
    from jobs.models import Job

    # seed_demo already writes hours for this year and the last one; use an untouched year.
    year = timeutil.current_year() - 3
    people = _make_everyone_compliant(year)
    admin = User.objects.filter(groups__name="系统管理员").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        admin = User.objects.create_superuser("bench-admin", "x", full_name="基准管理员")
    assert admin.has_role(Role.ADMIN)
    root = OrgUnit.get_root_nodes().first()

    redis.Redis.from_url(REDIS_URL).flushdb()
    log = tempfile.TemporaryFile()
    worker = _start_worker(database_url, private_root, log)

    def worker_died() -> None:
        if worker.poll() is not None:
            log.seek(0)
            raise RuntimeError("celery worker exited:\n" + log.read().decode(errors="replace")[-3000:])

    try:
        time.sleep(8)  # let the worker connect before the clock starts
        worker_died()
        started = time.perf_counter()
        with transaction.atomic():
            job = start_bulk_issue(requested_by=admin, year=year, unit=root)
        deadline = started + 900
        while time.perf_counter() < deadline:
            job.refresh_from_db()
            if job.status in (Job.Status.DONE, Job.Status.FAILED):
                break
            worker_died()
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        worker_cpu = _cpu_seconds(worker.pid)
    finally:
        _stop(worker)
    if job.status != Job.Status.DONE:
        raise RuntimeError(f"bulk job ended as {job.status}: {job.error}")
    issued = Certificate.objects.filter(year=year, kind="annual").exclude(pdf="").count()
    return [
        ("bulk_people_due", people),
        ("bulk_certificates_issued_with_pdf", issued),
        (f"bulk_issue_{STAFF}_annual_2_workers_seconds (target <= 300)", elapsed),
        ("bulk_certificates_per_second", issued / elapsed),
        ("bulk_worker_cpu_seconds", worker_cpu),
        ("bulk_worker_cpu_seconds_per_certificate", worker_cpu / max(issued, 1)),
        ("bulk_load_average_1min_at_end", os.getloadavg()[0]),
        ("bulk_zip_megabytes", job.result_file.size / 1_000_000),
    ]


def run() -> list[tuple[str, object]]:
    url = scratch_database("certificates")
    manage("migrate", "--noinput", "--run-syncdb", database_url=url, settings=SETTINGS)
    manage("seed_demo", "--staff", str(STAFF), "--quiet", database_url=url, settings=SETTINGS)
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as private_root:
        _setup_django(url, private_root)
        results = render_ratio()
        results += bulk_issue(url, private_root)
    return results


if __name__ == "__main__":
    emit(run())
