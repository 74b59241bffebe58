"""Long attendance sheets are imported by a background job: checked whole, written in one transaction, shown on a job page."""

from collections import Counter
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import AuditLog
from classroom.importers.attendance import check_attendance
from classroom.jobs import IMPORT_KIND, start_attendance_import
from classroom.models import Attendance
from classroom.services.sessions import mark_attendance
from core.xlsx import ImportFailed
from jobs import services
from jobs.models import Job
from jobs.storage import private_storage
from learning.models import LedgerEntry, PersonYearBalance
from tests.certificates.helpers import private_media  # noqa: F401
from tests.factories import UserFactory

from .factories import TrainingSessionFactory, xlsx_file

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_media")]


@pytest.fixture
def session(org_tree):
    return TrainingSessionFactory(audience_units=[org_tree["shache"]], hours=Decimal("2.5"))


@pytest.fixture
def staff(org_tree):
    return [UserFactory(org_unit=org_tree["shache_dept"], full_name=f"学员{i}") for i in range(5)]


@pytest.fixture
def low_threshold(settings):
    settings.ATTENDANCE_IMPORT_JOB_ROWS = 2


def _upload(rows) -> SimpleUploadedFile:
    return SimpleUploadedFile("签到.xlsx", xlsx_file(rows).getvalue())


def _uploads() -> list[str]:
    storage = private_storage()
    if not storage.exists("jobs/uploads"):
        return []
    return storage.listdir("jobs/uploads")[1]


def _post(client, session, rows, capture):
    """Post the sheet and run what the request leaves for after its commit (the job's tasks, eager here)."""
    with capture(execute=True):
        return client.post(reverse("classroom:session_import", args=[session.pk]), {"file": _upload(rows)})


def test_a_long_sheet_is_imported_by_a_job_crediting_each_person_once(
    session, staff, trainer, client_for, low_threshold, django_capture_on_commit_callbacks
):
    mark_attendance(session=session, user=staff[0], method=Attendance.Method.QR, marked_by=None)
    client = client_for(trainer)
    rows = [[u.employee_no, u.full_name, "09:05"] for u in staff]
    response = _post(client, session, rows, django_capture_on_commit_callbacks)

    job = Job.objects.get(kind=IMPORT_KIND)
    assert response.status_code == 302 and response.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and (job.done, job.total) == (5, 5)
    assert job.requested_by == trainer and job.parameters["session"] == session.pk
    # Everyone once: one attendance, one ledger credit and the session's hours in their balance.
    attendances = Attendance.objects.filter(session=session)
    assert sorted(attendances.values_list("user_id", flat=True)) == sorted(u.pk for u in staff)
    assert attendances.filter(method=Attendance.Method.IMPORT, marked_by=trainer).count() == 4
    credits = LedgerEntry.objects.filter(source_key__startswith=f"session:{session.pk}:")
    assert Counter(credits.values_list("user_id", flat=True)) == Counter({u.pk: 1 for u in staff})
    assert {b.total_hours for b in PersonYearBalance.objects.filter(user__in=staff)} == {Decimal("2.50")}
    assert AuditLog.objects.filter(action="learning.attendance_import", actor=trainer).count() == 1
    assert _uploads() == []

    page = client.get(response.url).content.decode()
    assert "导入成功：新登记签到 4 人，此前已签到 1 人。" in page
    assert reverse("classroom:session_import", args=[session.pk]) in page
    assert 'data-testid="job-retry"' not in page
    # A chunk delivered again after the job is done changes nothing.
    assert services.run_chunk(job.pk, 0) is False
    assert LedgerEntry.objects.filter(source_key__startswith=f"session:{session.pk}:").count() == 5


def test_a_bad_row_in_a_long_sheet_fails_the_job_names_the_row_and_writes_nothing(
    session, staff, trainer, client_for, low_threshold, django_capture_on_commit_callbacks
):
    rows = [[u.employee_no, u.full_name, ""] for u in staff]
    rows[2] = ["E-GHOST", "无名氏", ""]
    client = client_for(trainer)
    response = _post(client, session, rows, django_capture_on_commit_callbacks)

    job = Job.objects.get(kind=IMPORT_KIND)
    assert response.url == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.FAILED and job.incident == Job.Incident.REFUSED
    assert not Attendance.objects.exists() and not LedgerEntry.objects.exists()
    assert not AuditLog.objects.filter(action="learning.attendance_import").exists()
    page = client.get(response.url).content.decode()
    assert "第 4 行" in page and "「工号」列" in page and "找不到工号为 E-GHOST 的人员。" in page
    assert 'data-testid="job-retry"' not in page and 'data-testid="job-summary"' not in page
    with pytest.raises(services.JobError):
        services.retry_job(job=job, by=trainer)
    assert _uploads() == []


def test_a_short_sheet_is_still_imported_in_the_request(
    session, staff, trainer, client_for, django_capture_on_commit_callbacks
):
    rows = [[u.employee_no, u.full_name, ""] for u in staff]
    response = _post(client_for(trainer), session, rows, django_capture_on_commit_callbacks)
    assert response.status_code == 200 and 'data-testid="import-result"' in response.content.decode()
    assert Attendance.objects.filter(session=session, method=Attendance.Method.IMPORT).count() == 5
    assert not Job.objects.exists() and _uploads() == []


def test_someone_who_may_not_run_the_session_starts_no_job(
    session, staff, learner, client_for, low_threshold, django_capture_on_commit_callbacks
):
    rows = [[u.employee_no, "", ""] for u in staff]
    response = _post(client_for(learner), session, rows, django_capture_on_commit_callbacks)
    assert response.status_code == 403
    assert not Job.objects.exists() and _uploads() == []
    assert not Attendance.objects.exists()


def test_a_job_whose_requester_no_longer_runs_the_session_is_refused(session, staff, org_tree):
    rows = [[u.employee_no, "", ""] for u in staff]
    job = start_attendance_import(session=session, upload=_upload(rows), by=session.organiser)
    session.organiser = UserFactory(org_unit=org_tree["pref"])
    session.save(update_fields=["organiser"])
    services.plan_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.incident == Job.Incident.REFUSED
    assert "无权管理这次培训的签到" in job.error
    assert not Attendance.objects.exists()


def test_check_attendance_counts_the_people_and_refuses_like_the_import_without_writing(session, staff):
    rows = [[u.employee_no, u.full_name, ""] for u in staff]
    assert check_attendance(session=session, fileobj=xlsx_file(rows), by=None) == 5
    rows.append([staff[0].employee_no, "", ""])
    with pytest.raises(ImportFailed) as info:
        check_attendance(session=session, fileobj=xlsx_file(rows), by=None)
    assert [(p.row, p.column) for p in info.value.problems] == [(7, "工号")]
    assert not Attendance.objects.exists() and not LedgerEntry.objects.exists()
