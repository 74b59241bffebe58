"""The staff export: small lists are written in the request, large ones by a job with the same rows and scope."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from accounts.models import AuditLog, Role
from directory.jobs import EXPORT_KIND, staff_workbook
from directory.selectors.staff import staff_for
from jobs import services
from jobs.models import Job
from jobs.storage import private_storage
from jobs.tasks import plan_job
from tests.auth import sign_in
from tests.conftest import enable_totp
from tests.factories import UserFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"


@pytest.fixture
def staff(org_tree):
    """Four in 莎车 (three in its department, one at the county), two in 疏附, one at the prefecture."""
    return {
        "sc_dept": [
            UserFactory(full_name=f"莎车局{i}", employee_no=f"SC00{i}", org_unit=org_tree["shache_dept"])
            for i in range(1, 4)
        ],
        "sc_county": UserFactory(
            full_name="莎车县人", employee_no="SC100", org_unit=org_tree["shache"], position="科员"
        ),
        "sf": [
            UserFactory(full_name=f"疏附局{i}", employee_no=f"SF00{i}", org_unit=org_tree["shufu_dept"])
            for i in range(1, 3)
        ],
        "pref": UserFactory(full_name="地区人", employee_no="KS001", org_unit=org_tree["pref"]),
    }


def _hr_of(*units):
    hr = UserFactory(org_unit=units[0], roles=[Role.HR])
    hr.scope_units.add(*units)
    enable_totp(hr)
    return hr


def _rows(content: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def _synchronous(client, query: dict) -> list[tuple]:
    response = client.get(reverse("directory:staff_export"), query)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return _rows(response.content)


def _start(client, query: dict, capture, *, execute: bool = True):
    """Press the export button as the page's form does (a POST with the page's query string)."""
    url = reverse("directory:staff_export") + "?" + urlencode(query)
    with capture(execute=execute):
        response = client.post(url)
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    return Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))


def _download(client, job: Job) -> bytes:
    page = client.get(reverse("jobs:detail", args=[job.pk]))
    assert page.status_code == 200
    url = page.context["state"]["download_url"]
    assert url and 'data-testid="job-download"' in page.content.decode()
    response = client.get(url)
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("query_of", [lambda t: {}, lambda t: {"unit": t["shache_dept"].pk, "q": "莎车局"}])
def test_large_staff_export_is_a_job_whose_file_equals_the_synchronous_export(
    settings, client_for, hr_shache, staff, org_tree, django_capture_on_commit_callbacks, query_of
):
    query = query_of(org_tree)
    client = client_for(hr_shache)
    expected = _synchronous(client, query)
    assert len(expected) > 3  # a header and several people: the comparison below means something

    settings.EXPORT_JOB_ROWS = 2
    job = _start(client, query, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.kind == EXPORT_KIND and job.status == Job.Status.DONE
    assert job.done == job.total == len(expected) - 1
    assert job.result_name.startswith("staff-") and job.result_name.endswith(".xlsx")
    assert _rows(_download(client, job)) == expected
    assert not private_storage().exists(f"jobs/parts/{job.pk}/export.xlsx")  # the part went into the result


def test_a_get_of_a_large_export_asks_for_a_post_and_starts_nothing(settings, client_for, hr_shache, staff):
    settings.EXPORT_JOB_ROWS = 2
    client = client_for(hr_shache)
    page = client.get(reverse("directory:staff_list"))
    html = page.content.decode()
    assert 'method="post"' in html and 'data-testid="export-in-job"' in html

    response = client.get(reverse("directory:staff_export"), {"q": "莎车"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert 'data-testid="export-start"' in html and "csrfmiddlewaretoken" in html
    assert f'action="{reverse("directory:staff_export")}?q=' in html
    assert not Job.objects.exists()
    assert not AuditLog.objects.filter(action="staff_export").exists()


def test_a_large_export_needs_the_csrf_token(settings, hr_shache, staff):
    settings.EXPORT_JOB_ROWS = 2
    client = sign_in(Client(enforce_csrf_checks=True), hr_shache)
    assert client.post(reverse("directory:staff_export")).status_code == 403
    assert not Job.objects.exists()


def test_the_job_reapplies_the_requesters_scope_when_it_runs(
    settings, client_for, staff, org_tree, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 2
    hr = _hr_of(org_tree["shache"], org_tree["shufu"])
    client = client_for(hr)
    # A forged unit filter outside the scope is ignored, as on the page: still nobody from outside.
    job = _start(client, {"unit": org_tree["pref"].pk}, django_capture_on_commit_callbacks, execute=False)
    assert job.status == Job.Status.PENDING and job.scope_unit is None
    hr.scope_units.remove(org_tree["shufu"])  # the scope narrows before the job runs
    with django_capture_on_commit_callbacks(execute=True):
        plan_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    numbers = {row[0] for row in _rows(_download(client, job))[1:]}
    assert numbers == {"SC001", "SC002", "SC003", "SC100", hr.employee_no}


def test_a_job_whose_requester_lost_the_unit_fails_and_offers_no_file(
    settings, client_for, hr_shache, staff, org_tree, django_capture_on_commit_callbacks
):
    """Ignoring the lost unit filter would write all of 疏附 into a file anyone over 莎车 may download."""
    settings.EXPORT_JOB_ROWS = 2
    client = client_for(hr_shache)
    job = _start(client, {"unit": org_tree["shache"].pk}, django_capture_on_commit_callbacks, execute=False)
    hr_shache.scope_units.set([org_tree["shufu"]])
    with pytest.raises(PermissionDenied), django_capture_on_commit_callbacks(execute=True):
        plan_job.delay(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and not job.result_file
    assert "莎车县" in job.error


def test_a_county_officer_gets_only_the_county_in_the_jobs_file(
    settings, client_for, hr_shache, staff, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 2
    client = client_for(hr_shache)
    job = _start(client, {}, django_capture_on_commit_callbacks)
    numbers = {row[0] for row in _rows(_download(client, job))[1:]}
    assert numbers == {"SC001", "SC002", "SC003", "SC100", hr_shache.employee_no}


def test_an_officer_outside_the_jobs_scope_cannot_see_it(
    settings, client_for, hr_shache, staff, org_tree, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 2
    job = _start(client_for(hr_shache), {"unit": org_tree["shache"].pk}, django_capture_on_commit_callbacks)
    assert job.scope_unit == org_tree["shache"] and job.status == Job.Status.DONE

    outsider = sign_in(Client(), _hr_of(org_tree["shufu"]))
    for name in ("detail", "status", "download"):
        assert outsider.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert job.pk not in [j.pk for j in outsider.get(reverse("jobs:list")).context["jobs"]]
    colleague = sign_in(Client(), _hr_of(org_tree["shache"]))
    assert colleague.get(reverse("jobs:download", args=[job.pk])).status_code == 200

    unfiltered = _start(client_for(hr_shache), {}, django_capture_on_commit_callbacks)
    assert unfiltered.scope_unit is None  # "everything I may see" is the requester's alone
    assert colleague.get(reverse("jobs:detail", args=[unfiltered.pk])).status_code == 404


def test_starting_the_job_is_audited_once_and_a_double_click_reuses_it(
    settings, client_for, hr_shache, staff, org_tree, django_capture_on_commit_callbacks
):
    settings.EXPORT_JOB_ROWS = 2
    client = client_for(hr_shache)
    query = {"staff_category": "enforcement"}
    first = _start(client, query, django_capture_on_commit_callbacks, execute=False)
    second = _start(client, query, django_capture_on_commit_callbacks, execute=False)
    assert first.pk == second.pk
    log = AuditLog.objects.get(action="staff_export")
    assert log.actor == hr_shache
    assert log.details == {"job": first.pk, "filters": query, "count": 5}
    assert "5" in log.summary

    with django_capture_on_commit_callbacks(execute=True):
        plan_job.delay(first.pk)
    _download(client, first)
    assert AuditLog.objects.filter(action="jobs.download", actor=hr_shache, details__job=first.pk).count() == 1


def test_a_small_export_stays_synchronous_and_is_audited(client_for, hr_shache, staff, org_tree):
    client = client_for(hr_shache)
    page = client.get(reverse("directory:staff_list")).content.decode()
    assert 'data-testid="export-in-job"' not in page
    rows = _synchronous(client, {"unit": org_tree["shache_dept"].pk})
    assert {r[0] for r in rows[1:]} == {"SC001", "SC002", "SC003"}
    # A POST of a small export (the list shrank since the page was drawn) is answered with the file too.
    response = client.post(reverse("directory:staff_export"))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert not Job.objects.exists()
    logs = AuditLog.objects.filter(action="staff_export", actor=hr_shache).order_by("pk")
    assert [log.details["count"] for log in logs] == [3, 5]
    assert logs[0].details["filters"] == {"unit": str(org_tree["shache_dept"].pk)}


def test_a_finish_that_finds_no_workbook_part_writes_the_file_again(
    settings, client_for, hr_shache, staff, django_capture_on_commit_callbacks
):
    """A finish delivered again after the first consumed the part (and failed to store the file) still ends DONE."""
    settings.EXPORT_JOB_ROWS = 2
    client = client_for(hr_shache)
    expected = _rows(staff_workbook(staff_for(hr_shache)))
    job = _start(client, {}, django_capture_on_commit_callbacks, execute=False)
    with django_capture_on_commit_callbacks(execute=False):
        services.plan_job(job.pk)
        services.run_chunk(job.pk, 0)
    job.refresh_from_db()
    part = job.context["outputs"]["0"]
    assert private_storage().exists(part)
    private_storage().delete(part)
    services.finish_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert _rows(_download(client, job)) == expected
