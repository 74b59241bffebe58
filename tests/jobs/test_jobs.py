"""The job mechanism: chunks counted once, cancel, retry, stale jobs resumed or failed, who may see a job, the page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from certificates.jobs import KIND
from certificates.models import Certificate
from core import timeutil
from jobs import services
from jobs.models import Job
from tests.certificates.helpers import make_compliant, private_media  # noqa: F401
from tests.conftest import enable_totp
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_media")
YEAR = timeutil.current_year()


@pytest.fixture
def people(org_tree):
    staff = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(5)]
    for person in staff:
        make_compliant(person, YEAR)
    Certificate.objects.all().delete()  # crossing the requirement issued them; the job is to issue them
    return staff


def _planned_job(hr, unit, capture, chunk_size=2) -> Job:
    """A bulk-issue job that is planned but none of whose chunks has run (the tasks were not sent)."""
    with capture(execute=False):
        job = services.start_job(
            kind=KIND, requested_by=hr, parameters={"year": YEAR, "chunk_size": chunk_size}, scope_unit=unit
        )
    with capture(execute=False):
        services.plan_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING and job.total == 5 and len(job.chunks) == 3
    return job


def _hr_of(unit):
    hr = UserFactory(org_unit=unit, roles=[Role.HR])
    hr.scope_units.add(unit)
    enable_totp(hr)
    return hr


def test_a_chunk_run_twice_is_counted_once_and_issues_one_certificate_per_person(
    hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.run_chunk(job.pk, 0) is False
        assert services.run_chunk(job.pk, 0) is False  # redelivered: nothing new, not counted again
        assert services.count_chunk(job.pk, 0) is False
    job.refresh_from_db()
    assert job.done == 2 and job.finished_chunks == [0]
    assert Certificate.objects.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        for index in (1, 2, 1, 2):
            services.run_chunk(job.pk, index)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == 5 and job.result_file
    assert sorted(Certificate.objects.values_list("holder", flat=True)) == sorted(p.pk for p in people)
    assert Certificate.objects.values("serial").distinct().count() == 5


def test_a_second_start_while_running_reuses_the_job(hr_shache, org_tree, people, django_capture_on_commit_callbacks):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        again = services.start_job(
            kind=KIND, requested_by=hr_shache, parameters={"year": YEAR, "chunk_size": 2}, scope_unit=org_tree["shache"]
        )
    assert again.pk == job.pk and not callbacks


def test_a_cancelled_job_runs_no_more_chunks(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    client = client_for(hr_shache)
    assert "job-cancel" in client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    client.post(reverse("jobs:cancel", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED
    with django_capture_on_commit_callbacks(execute=True):
        assert services.run_chunk(job.pk, 0) is False
        services.finish_job(job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.CANCELLED and job.done == 0 and not job.result_file
    assert not Certificate.objects.exists()
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已取消" in page and "job-cancel" not in page and "job-retry" not in page


def test_a_failed_job_is_retried_keeping_the_chunks_it_finished(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        services.run_chunk(job.pk, 0)
    services.fail_job(job.pk, "数据库连接中断")
    client = client_for(hr_shache)
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "数据库连接中断" in page and "job-retry" in page and "job-download" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("jobs:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == 5 and job.error == ""
    assert Certificate.objects.count() == 5


def test_a_stale_job_is_resumed_and_finishes_with_one_certificate_per_person(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        services.run_chunk(job.pk, 0)
        # the worker died inside chunk 1: it issued, but never counted the chunk
        from certificates.services.certificates import issue_and_render_annual

        issue_and_render_annual(job.chunks[1]["ids"], YEAR)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=6))
    with django_capture_on_commit_callbacks(execute=True):
        page = client_for(hr_shache).get(reverse("jobs:detail", args=[job.pk]))  # looking at it notices
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.resumes == 1 and job.done == 5
    assert Certificate.objects.count() == 5 and Certificate.objects.values("holder").distinct().count() == 5
    assert "工作进程中断，已自动恢复" in page.content.decode()


def test_the_beat_task_resumes_only_jobs_without_progress(
    hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=False):
        assert services.mark_stale() == ([], [])
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - dt.timedelta(minutes=6))
    from jobs.tasks import resume_stale_jobs

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert resume_stale_jobs() == {"resumed": [job.pk], "failed": [], "uploads_purged": 0}
    assert len(callbacks) == 1


def test_a_job_stalled_after_every_resume_is_failed_with_a_retry_button(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    Job.objects.filter(pk=job.pk).update(
        resumes=services.MAX_RESUMES, heartbeat_at=timezone.now() - dt.timedelta(minutes=6)
    )
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        page = client_for(hr_shache).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert not callbacks
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.incident == Job.Incident.STALLED
    assert "已超过 5 分钟没有进展，已标记为失败，可重试" in page
    assert "job-retry" in page and "正在" not in page and "进行中" not in page


def test_hr_of_another_county_cannot_see_the_job(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_job(
            kind=KIND, requested_by=hr_shache, parameters={"year": YEAR}, scope_unit=org_tree["shache"]
        )
    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    outsider = client_for(_hr_of(org_tree["shufu"]))
    for name in ("detail", "status", "download"):
        assert outsider.get(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    for name in ("cancel", "retry"):
        assert outsider.post(reverse(f"jobs:{name}", args=[job.pk])).status_code == 404
    assert reverse("jobs:detail", args=[job.pk]) not in outsider.get(reverse("jobs:list")).content.decode()
    # an HR officer of the prefecture covers 莎车县: they may see it, and download it
    covering = client_for(_hr_of(org_tree["pref"]))
    assert reverse("jobs:detail", args=[job.pk]) in covering.get(reverse("jobs:list")).content.decode()
    assert covering.get(reverse("jobs:detail", args=[job.pk])).status_code == 200
    assert covering.get(reverse("jobs:download", args=[job.pk])).status_code == 200


def test_the_page_never_offers_the_download_while_running(
    client_for, hr_shache, org_tree, people, django_capture_on_commit_callbacks
):
    job = _planned_job(hr_shache, org_tree["shache"], django_capture_on_commit_callbacks)
    client = client_for(hr_shache)
    with django_capture_on_commit_callbacks(execute=False):
        for index in range(3):
            services.run_chunk(job.pk, index)  # every chunk counted, the file not yet built
    response = client.get(reverse("jobs:detail", args=[job.pk]))
    html = response.content.decode()
    assert "进行中" in html and "5 / 5" in html
    assert "job-download" not in html and reverse("jobs:download", args=[job.pk]) not in html
    assert 'style="' not in html.split('id="job"')[1].split("</div>\n{% endblock")[0]
    assert "jobs/job_detail.js" in html
    assert client.get(reverse("jobs:status", args=[job.pk])).json()["download_url"] is None
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        services.finish_job(job.pk)
    html = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "job-download" in html and "下载全部证书（ZIP）" in html and "job-cancel" not in html


@pytest.mark.django_db(transaction=True)
def test_a_long_step_keeps_its_job_from_looking_stalled(org_tree, settings):
    """While one chunk runs longer than the stale threshold, its heartbeat moves; the beat would not resume it."""
    import time

    settings.JOBS_STALE_AFTER_SECONDS = 3  # heartbeat every second
    hr = UserFactory(org_unit=org_tree["shache"], roles=[Role.HR])
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    job = Job.objects.create(
        kind=KIND, requested_by=hr, dedupe_key="k", status=Job.Status.RUNNING, heartbeat_at=long_ago
    )
    with services.keep_alive(job.pk):
        time.sleep(3.5)
        job.refresh_from_db()
        assert job.heartbeat_at > timezone.now() - dt.timedelta(seconds=2)
        assert services.mark_stale(job_ids=[job.pk]) == ([], [])
    # Once the step is over the heartbeat stops: a job nobody works on goes stale again.
    job.refresh_from_db()
    beat = job.heartbeat_at
    time.sleep(1.5)
    job.refresh_from_db()
    assert job.heartbeat_at == beat
