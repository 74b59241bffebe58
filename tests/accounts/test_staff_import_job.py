"""Large staff files are imported by a background job: checked whole, written in one transaction, shown on a job page."""

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, User
from core.xlsx import count_rows
from jobs import services
from jobs.imports import purge_uploads
from jobs.models import Job
from jobs.storage import private_storage
from tests.certificates.helpers import private_media  # noqa: F401
from tests.conftest import enable_totp
from tests.factories import UserFactory

from .xlsx_files import good_rows, staff_file

pytestmark = pytest.mark.usefixtures("private_media")


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Run the tasks a request enqueues on commit (Celery is eager in tests), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


PASSWORD = "Kashi-2026-Xunlian!"


@pytest.fixture
def low_threshold(settings):
    settings.STAFF_IMPORT_JOB_ROWS = 2


def _uploads() -> list[str]:
    storage = private_storage()
    if not storage.exists("jobs/uploads"):
        return []
    return storage.listdir("jobs/uploads")[1]


def test_a_large_file_is_imported_by_a_job_with_one_password_hash(
    org_tree, hr_shache, client_for, low_threshold, run_jobs
):
    client = client_for(hr_shache)
    with run_jobs():
        response = client.post(
            reverse("directory:staff_import"), {"file": staff_file(good_rows(5)), "initial_password": PASSWORD}
        )
    job = Job.objects.get(kind="accounts.staff_import")
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and (job.done, job.total) == (5, 5)
    people = list(User.objects.filter(employee_no__startswith="S").order_by("employee_no"))
    assert [p.employee_no for p in people] == [f"S{i:05d}" for i in range(1, 6)]
    # Everyone the file creates shares the one hash of the one password HR typed; it works for each.
    assert len({p.password for p in people}) == 1 and all(p.check_password(PASSWORD) for p in people)
    # The job never held the password itself, and the upload is gone once imported.
    assert PASSWORD not in json.dumps(job.parameters) and job.parameters["password_hash"] == people[0].password
    assert _uploads() == []
    assert AuditLog.objects.filter(action="staff_import", actor=hr_shache).count() == 1
    page = client.get(response.url).content.decode()
    assert "导入成功：新增 5，更新 0，未变 0" in page and 'data-testid="job-retry"' not in page
    # A chunk delivered again after the job is done changes nothing.
    assert services.run_chunk(job.pk, 0) is False
    assert User.objects.filter(employee_no__startswith="S").count() == 5


def test_a_bad_row_in_a_large_file_imports_nothing_and_the_job_page_names_it(
    org_tree, hr_shache, client_for, low_threshold, run_jobs
):
    rows = good_rows(4)
    rows[2][0] = "喀什地区/莎车县/莎车县市场监管局"  # typo in the unit
    client = client_for(hr_shache)
    with run_jobs():
        response = client.post(reverse("directory:staff_import"), {"file": staff_file(rows)})
    job = Job.objects.get(kind="accounts.staff_import")
    assert job.status == Job.Status.FAILED and job.incident == Job.Incident.REFUSED
    assert not User.objects.filter(employee_no__startswith="S").exists()
    page = client.get(response.url).content.decode()
    assert "第 4 行" in page and "「单位」" in page and "不存在" in page
    assert 'data-testid="job-retry"' not in page  # the same file would fail the same way
    with pytest.raises(services.JobError):
        services.retry_job(job=job, by=hr_shache)
    assert _uploads() == []
    assert not AuditLog.objects.filter(action="staff_import").exists()


def test_a_large_dry_run_writes_nothing_and_says_so(org_tree, hr_shache, client_for, low_threshold, run_jobs):
    client = client_for(hr_shache)
    with run_jobs():
        response = client.post(reverse("directory:staff_import"), {"file": staff_file(good_rows(3)), "dry_run": "on"})
    page = client.get(response.url).content.decode()
    assert "检查通过（未写入）：新增 3，更新 0，未变 0" in page
    assert not User.objects.filter(employee_no__startswith="S").exists()
    assert not AuditLog.objects.filter(action="staff_import").exists()


def test_a_small_file_is_still_imported_in_the_request(org_tree, hr_shache, client_for):
    response = client_for(hr_shache).post(reverse("directory:staff_import"), {"file": staff_file(good_rows(3))})
    assert response.status_code == 200 and 'data-testid="import-result"' in response.content.decode()
    assert User.objects.filter(employee_no__startswith="S").count() == 3
    assert not Job.objects.exists()


def test_another_officer_cannot_see_the_import_job(org_tree, hr_shache, client_for, low_threshold):
    client_for(hr_shache).post(reverse("directory:staff_import"), {"file": staff_file(good_rows(3))})
    job = Job.objects.get(kind="accounts.staff_import")
    other = UserFactory(org_unit=org_tree["shache"], roles=["hr"])
    other.scope_units.add(org_tree["shache"])
    enable_totp(other)
    assert client_for(other).get(reverse("jobs:detail", args=[job.pk])).status_code == 404


def test_uploads_of_jobs_that_ended_without_importing_are_purged_after_a_week(org_tree, hr_shache, settings):
    from jobs.imports import keep_upload

    name = keep_upload(staff_file(good_rows(1)), filename="staff.xlsx")
    job = Job.objects.create(
        kind="accounts.staff_import",
        requested_by=hr_shache,
        parameters={"upload": name, "filename": "staff.xlsx"},
        dedupe_key="x",
        status=Job.Status.CANCELLED,
        finished_at=timezone.now() - dt.timedelta(days=8),
    )
    recent = Job.objects.create(
        kind="accounts.staff_import",
        requested_by=hr_shache,
        parameters={"upload": keep_upload(staff_file(good_rows(1)), filename="s.xlsx")},
        dedupe_key="y",
        status=Job.Status.FAILED,
        finished_at=timezone.now() - dt.timedelta(days=1),
    )
    assert purge_uploads() == 1
    job.refresh_from_db()
    assert "upload" not in job.parameters and not private_storage().exists(name)
    assert private_storage().exists(recent.parameters["upload"])
    assert purge_uploads() == 0


def test_count_rows_reads_the_longest_sheet_and_csv_lines_and_zero_for_junk(org_tree):
    assert count_rows(staff_file(good_rows(7)), max_rows=100) == 8  # the header row counts too
    csv_file = io.BytesIO(("单位,工号\n" + "".join(f"喀什地区,S{i}\n" for i in range(12))).encode())
    assert count_rows(csv_file, max_rows=100) == 13 and csv_file.tell() == 0
    assert count_rows(io.BytesIO(b"PK\x03\x04 not really a zip"), max_rows=100) == 0
    assert count_rows(staff_file(good_rows(30)), max_rows=5) == 0  # over the cap: the import itself refuses it
