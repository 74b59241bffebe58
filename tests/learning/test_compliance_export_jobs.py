"""The compliance export: small lists are written in the request, large ones by a job with the same rows and scope."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from openpyxl import load_workbook

from accounts.models import AuditLog, Role
from jobs.models import Job
from jobs.tasks import plan_job
from learning.compliance_export import KIND
from tests.auth import sign_in
from tests.conftest import enable_totp
from tests.factories import UserFactory
from tests.learning.test_compliance import PAST, YEAR, staff  # noqa: F401  (the export tests' people)

from .factories import credit

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def more_staff(staff, org_tree):  # noqa: F811
    """Two more in 莎车 (a leader at the county) and one more in 疏附, so each filter leaves some rows out."""
    county = UserFactory(
        full_name="莎车县人", employee_no="SC100", org_unit=org_tree["shache"], staff_category="leader"
    )
    credit(county, hours="30", category="professional", earned_on=PAST)
    extra = UserFactory(full_name="莎车新人", employee_no="SC003", org_unit=org_tree["shache_dept"])
    credit(extra, hours="70", earned_on=PAST)
    UserFactory(full_name="疏附新人", employee_no="SF002", org_unit=org_tree["shufu_dept"])
    return staff


def _hr_of(*units):
    hr = UserFactory(org_unit=units[0], roles=[Role.HR])
    hr.scope_units.add(*units)
    enable_totp(hr)
    return hr


def _url(query: dict) -> str:
    return reverse("learning:compliance_export") + "?" + urlencode(query)


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def _synchronous(client, query: dict) -> list[tuple]:
    response = client.get(_url(query))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return _rows(response.content)


def _start(client, query: dict, capture, *, execute: bool = True) -> Job:
    """Press the page's export button (a POST with the page's query string)."""
    with capture(execute=execute):
        response = client.post(_url(query))
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    return Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def _run(job: Job, capture) -> Job:
    with capture(execute=True):
        plan_job.delay(job.pk)
    job.refresh_from_db()
    return job


def _download(client, job: Job) -> bytes:
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    url = page.context["state"]["download_url"]
    assert url and 'data-testid="job-download"' in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "filters",
    [{}, {"status": "not_compliant", "sort": "-hours"}, {"q": "SC", "sort": "name"}, {"staff_category": "enforcement"}],
)
def test_large_compliance_export_is_a_job_whose_file_equals_the_synchronous_export(
    settings, client_for, hr_shache, more_staff, django_capture_on_commit_callbacks, filters
):
    query = {"year": YEAR, **filters}
    client = client_for(hr_shache)
    expected = _synchronous(client, query)
    assert len(expected) >= 3  # a header and at least two people, in the order asked for

    settings.EXPORT_JOB_ROWS = 1
    job = _start(client, query, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.kind == KIND and job.status == Job.Status.DONE, job.error
    assert job.scope_unit == hr_shache.scope_units.get()  # the page's unit: the officer's county
    assert job.done == job.total == len(expected) - 1
    assert job.result_name == f"compliance-{YEAR}-KS-SC.xlsx"
    content = _download(client, job)
    assert load_workbook(io.BytesIO(content)).active.title == f"{YEAR}年学时"
    assert _rows(content) == expected


def test_a_county_officer_gets_only_the_county_in_the_jobs_file(
    settings, client_for, hr_shache, more_staff, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 1
    client = client_for(hr_shache)
    job = _start(client, {"year": YEAR}, django_capture_on_commit_callbacks)
    numbers = {row[0] for row in _rows(_download(client, job))[1:]}
    assert numbers == {"SC001", "SC002", "SC003", "SC100", hr_shache.employee_no}


def test_the_job_reapplies_the_requesters_scope_when_it_runs(
    settings, client_for, org_tree, more_staff, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 1
    hr = _hr_of(org_tree["shache"], org_tree["shufu"])
    client = client_for(hr)
    job = _start(client, {"year": YEAR}, django_capture_on_commit_callbacks, execute=False)
    assert job.status == Job.Status.PENDING and job.scope_unit is None  # two counties: no single unit
    hr.scope_units.remove(org_tree["shufu"])  # the scope narrows before the job runs
    job = _run(job, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE
    numbers = {row[0] for row in _rows(_download(client, job))[1:]}
    assert numbers == {"SC001", "SC002", "SC003", "SC100", hr.employee_no}


def test_a_job_whose_requester_lost_the_unit_fails_and_offers_no_file(
    settings, client_for, hr_shache, org_tree, more_staff, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 1
    client = client_for(hr_shache)
    job = _start(client, {"year": YEAR, "unit": "KS-SC"}, django_capture_on_commit_callbacks, execute=False)
    hr_shache.scope_units.set([org_tree["shufu"]])
    with pytest.raises(PermissionDenied):
        _run(job, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.result_file
    assert "莎车县" in job.error


def test_an_officer_outside_the_jobs_scope_cannot_see_it(
    settings, client_for, hr_shache, org_tree, more_staff, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 1
    job = _start(client_for(hr_shache), {"year": YEAR}, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.DONE

    outsider = sign_in(Client(), _hr_of(org_tree["shufu"]))
    for name in ("detail", "status", "download"):
        assert outsider.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in outsider.get(reverse("jobs:list")).context["jobs"]]
    prefecture = sign_in(Client(), _hr_of(org_tree["pref"]))
    assert prefecture.get(reverse("jobs:download", args=[job.pk])).status_code == 200


def test_a_get_of_a_large_export_asks_for_a_post_and_starts_nothing(settings, client_for, hr_shache, more_staff):
    settings.EXPORT_JOB_ROWS = 1
    client = client_for(hr_shache)
    page = client.get(reverse("learning:compliance"), {"year": YEAR}).content.decode()
    assert 'data-testid="export-in-job"' in page
    assert f'<form method="post" action="{reverse("learning:compliance_export")}?year={YEAR}&amp;unit=KS-SC' in page

    response = client.get(_url({"year": YEAR}))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'data-testid="export-start"' in html and "csrfmiddlewaretoken" in html
    assert not Job.objects.exists()
    assert not AuditLog.objects.filter(action="learning.compliance_export").exists()


def test_starting_the_job_is_audited_like_the_synchronous_export(
    settings, client_for, hr_shache, more_staff, django_capture_on_commit_callbacks
):
    client = client_for(hr_shache)
    _synchronous(client, {"year": YEAR, "status": "not_compliant"})
    settings.EXPORT_JOB_ROWS = 1
    job = _start(client, {"year": YEAR, "status": "not_compliant"}, django_capture_on_commit_callbacks)
    again = _start(client, {"year": YEAR, "status": "not_compliant"}, django_capture_on_commit_callbacks)
    assert again.pk != job.pk  # the first had finished: a second click makes a new file

    sync_log, *job_logs = AuditLog.objects.filter(action="learning.compliance_export").order_by("pk")
    assert len(job_logs) == 2
    assert sync_log.actor == job_logs[0].actor == hr_shache
    assert sync_log.summary == job_logs[0].summary
    assert job_logs[0].details == {**sync_log.details, "job": job.pk}
    assert sync_log.details["rows"] == 3 and sync_log.details["unit"] == "KS-SC"
    _download(client, job)
    assert AuditLog.objects.filter(action="jobs.download", details__job=job.pk).count() == 1


def test_a_small_compliance_export_stays_synchronous(client_for, hr_shache, more_staff):
    client = client_for(hr_shache)
    page = client.get(reverse("learning:compliance"), {"year": YEAR}).content.decode()
    assert 'data-testid="export-in-job"' not in page and 'data-testid="export-link"' in page
    rows = _synchronous(client, {"year": YEAR})
    assert {r[0] for r in rows[1:]} == {"SC001", "SC002", "SC003", "SC100", hr_shache.employee_no}
    response = client.post(_url({"year": YEAR}))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert not Job.objects.exists()
    assert AuditLog.objects.filter(action="learning.compliance_export", actor=hr_shache).count() == 2


def test_the_jobs_file_is_in_the_language_the_export_was_asked_in(
    settings, client_for, hr_shache, more_staff, django_capture_on_commit_callbacks
):
    client = client_for(hr_shache)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override(settings.LANGUAGE_CODE):  # the requests below switch this thread to English
        expected = _synchronous(client, {"year": YEAR})
        assert expected[0][0] != "工号"  # the headers are translated: the comparison below means something
        settings.EXPORT_JOB_ROWS = 1
        job = _start(client, {"year": YEAR}, django_capture_on_commit_callbacks, execute=False)
        with translation.override("zh-hans"):  # a worker runs in the default language
            job = _run(job, django_capture_on_commit_callbacks)
        assert _rows(_download(client, job)) == expected
