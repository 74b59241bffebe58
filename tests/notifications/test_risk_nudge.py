"""HR's one-click reminder on the at-risk list: scope and filters, the two rate limits, the audit, the job."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from core import timeutil
from jobs.models import Job
from notifications.models import DeliveryStatus, Notification
from tests.factories import UserFactory
from tests.learning import factories_review as fr
from tests.learning.factories import credit

pytestmark = pytest.mark.django_db
RISK = reverse("review:review_risk")
REMIND = reverse("review:review_risk_remind")


@pytest.fixture
def holders(org_tree):
    if timeutil.today() == dt.date(timeutil.current_year(), 1, 1):
        pytest.skip("nobody is behind pace on 1 January")
    behind = fr.officer(org_tree["shache_dept"], full_name="莎车·落后", phone="13900000001")
    behind2 = fr.officer(org_tree["shache_dept"], full_name="莎车·也落后", employee_no="SCX0002")
    ahead = fr.officer(org_tree["shache_dept"], full_name="莎车·领先")
    outside = fr.officer(org_tree["shufu_dept"], full_name="疏附·落后")
    credit(ahead, hours="60")
    return {"behind": behind, "behind2": behind2, "ahead": ahead, "outside": outside}


def _nudged():
    return set(Notification.objects.filter(kind="review_nudge").values_list("user__full_name", flat=True))


def test_the_button_reminds_the_listed_people_in_scope_and_is_audited(
    client_for, hr_shache, holders, sms_outbox, django_capture_on_commit_callbacks
):
    client = client_for(hr_shache)
    assert 'data-testid="nudge"' in client.get(RISK).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(REMIND, {"unit": "", "risk": "", "q": ""}, follow=True)
    assert "已向 2 人发送年审提醒。" in response.content.decode()
    assert _nudged() == {"莎车·落后", "莎车·也落后"}  # not the one ahead, not 疏附 (outside her scope)
    note = Notification.objects.get(kind="review_nudge", user=holders["behind"])
    assert note.title == f"莎车县提醒您：请尽快完成 {timeutil.current_year()} 年度执法证年审要求"
    assert "王芳（莎车县）提醒您" in note.body and "进度落后" in note.body and note.url == "/learning/path/"
    assert note.sms_status == DeliveryStatus.SENT and [m.phone for m in sms_outbox] == ["13900000001"]
    entry = AuditLog.objects.get(action="review.risk_nudge")
    assert entry.actor == hr_shache and entry.details["reminded"] == 2 and entry.details["listed"] == 2
    assert "莎车县" in entry.summary


def test_the_pages_filters_narrow_who_is_reminded(client_for, hr_shache, holders):
    client_for(hr_shache).post(REMIND, {"q": "SCX0002"})
    assert _nudged() == {"莎车·也落后"}
    assert AuditLog.objects.get(action="review.risk_nudge").details["q"] == "SCX0002"


def test_a_unit_outside_scope_is_forbidden_and_nobody_is_told(client_for, hr_shache, holders):
    assert client_for(hr_shache).post(REMIND, {"unit": "KS-SF"}).status_code == 403
    assert not Notification.objects.exists() and not AuditLog.objects.filter(action="review.risk_nudge").exists()


def test_learners_cannot_press_it(client_for, holders):
    assert client_for(holders["ahead"]).post(REMIND, {}).status_code == 403
    assert not Notification.objects.exists()


def test_an_officer_may_press_once_an_hour_and_the_page_says_until_when(client_for, hr_shache, holders):
    client = client_for(hr_shache)
    client.post(REMIND, {})
    response = client.post(REMIND, {}, follow=True)
    html = response.content.decode()
    assert "每位专员每 60 分钟只能发送一次" in html
    assert AuditLog.objects.filter(action="review.risk_nudge").count() == 1
    assert 'data-testid="nudge-wait"' in html and "之后可以再次发送" in html
    # an hour later the button works again (and the people reminded stay left out for 7 days)
    past = timezone.now() - dt.timedelta(minutes=61)
    Notification.objects.update(created_at=past)
    _age_audit(past)
    response = client.post(REMIND, {}, follow=True)
    assert "在 7 天内都已提醒过，没有发送提醒" in response.content.decode()


def _age_audit(moment):
    """Audit rows are append-only through the model; move the press back in time in the database itself."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {AuditLog._meta.db_table} SET at = %s WHERE action = %s", [moment, "review.risk_nudge"])


def test_a_person_reminded_by_another_officer_this_week_is_left_out(client_for, hr_shache, org_tree, holders):
    from accounts.models import Role
    from tests.conftest import enable_totp

    colleague = UserFactory(full_name="李明", org_unit=org_tree["shache"], roles=[Role.HR])
    colleague.scope_units.add(org_tree["shache"])
    enable_totp(colleague)
    client_for(colleague).post(REMIND, {"q": "SCX0002"})
    response = client_for(hr_shache).post(REMIND, {}, follow=True)
    assert "已向 1 人发送年审提醒。另有 1 人在 7 天内已提醒过，本次未重复提醒。" in response.content.decode()
    assert Notification.objects.filter(kind="review_nudge", user=holders["behind2"]).count() == 1
    # eight days later they are due again
    Notification.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    _age_audit(timezone.now() - dt.timedelta(hours=2))
    client_for(hr_shache).post(REMIND, {})
    assert Notification.objects.filter(kind="review_nudge", user=holders["behind2"]).count() == 2


def test_a_long_list_is_sent_by_a_background_job_once(
    client_for, hr_shache, holders, settings, django_capture_on_commit_callbacks
):
    settings.REVIEW_NUDGE_JOB_PEOPLE = 1
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(hr_shache).post(REMIND, {})
    job = Job.objects.get(kind="review.risk_nudge")
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.done == 2
    assert _nudged() == {"莎车·落后", "莎车·也落后"}
    entry = AuditLog.objects.get(action="review.risk_nudge")
    assert entry.actor == hr_shache and entry.details["reminded"] == 2
    # a chunk run again (a redelivered task) tells nobody twice
    from review.services.nudges import RISK_NUDGE

    RISK_NUDGE.run_chunk(job, 0, job.chunks[0])
    assert Notification.objects.filter(kind="review_nudge").count() == 2
    page = client_for(hr_shache).get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已向 2 名年审有风险的人员发送提醒。" in page
