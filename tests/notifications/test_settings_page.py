"""The messages page and the settings page (提醒设置): what each person sees, what they may choose, queries."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from notifications.models import NotificationPreference
from notifications.services.notifications import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SETTINGS = reverse("notifications:settings")


@pytest.fixture
def official(org_tree):
    return UserFactory(org_unit=org_tree["shache_dept"], email="o@example.cn", phone="13900000001")


def test_the_page_lists_each_persons_kinds_with_their_defaults(client_for, official, hr_shache):
    html = client_for(official).get(SETTINGS).content.decode()
    assert "提醒设置" in html and "学时调整与冲销" in html and "考试即将截止" in html
    assert "学时进度月报" not in html and "课程待审核" not in html  # HR's and reviewers' kinds
    assert 'name="email_hours_changed" checked' in html  # e-mail on by default for hours someone else changed
    assert 'name="sms_exam_closing" checked' in html and 'name="sms_hours_changed">' in html
    assert "o@example.cn" in html and "13900000001" in html
    hr_html = client_for(hr_shache).get(SETTINGS).content.decode()
    assert "学时进度月报" in hr_html and "年审风险月报" in hr_html


def test_saving_stores_a_choice_for_every_listed_kind(client_for, official):
    client = client_for(official)
    response = client.post(SETTINGS, {"email_exam_graded": "on", "sms_session_tomorrow": "on"}, follow=True)
    assert "提醒方式已保存。" in response.content.decode()
    chosen = {p.kind: (p.email, p.sms) for p in NotificationPreference.objects.filter(user=official)}
    assert chosen["exam_graded"] == (True, False)
    assert chosen["session_tomorrow"] == (False, True)
    assert chosen["exam_closing"] == (False, False)  # unticked: off
    assert "digest" not in chosen  # not a kind of this person
    client.post(SETTINGS, {"reset": "1"})
    assert not NotificationPreference.objects.filter(user=official).exists()


def test_a_channel_without_an_address_is_refused_and_nothing_changes(client_for, org_tree):
    person = UserFactory(org_unit=org_tree["shache_dept"], email=None, phone="")
    response = client_for(person).post(SETTINGS, {"sms_exam_closing": "on"})
    assert response.status_code == 200
    assert "您没有登记手机号，不能选择短信提醒。" in response.content.decode()
    assert not NotificationPreference.objects.filter(user=person).exists()
    html = client_for(person).get(SETTINGS).content.decode()
    assert "未登记，收不到短信" in html and 'name="sms_exam_closing" disabled' in html


def test_a_trainer_and_a_reviewer_see_the_course_review_kinds(client_for, trainer, reviewer):
    assert "课程退回修改" in client_for(trainer).get(SETTINGS).content.decode()
    html = client_for(reviewer).get(SETTINGS).content.decode()
    assert "课程待审核" in html and "课程退回修改" not in html


def test_the_pages_need_a_sign_in(client):
    assert client.get(SETTINGS).status_code == 302
    assert client.get(reverse("notifications:list")).status_code == 302


def test_the_settings_page_reads_a_fixed_number_of_queries(client_for, official, django_assert_max_num_queries):
    client = client_for(official)
    with django_assert_max_num_queries(12) as few:
        client.get(SETTINGS)
    NotificationPreference.objects.bulk_create(
        [
            NotificationPreference(user=official, kind=k, email=True, sms=True)
            for k in ("pace", "exam_open", "attendance")
        ]
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(SETTINGS)


def test_the_messages_page_reads_the_same_queries_for_3_or_30_messages(
    client_for, official, django_assert_max_num_queries
):
    for n in range(3):
        notify(user=official, title=f"消息{n}", body="正文", url="/learning/hours/")
    client = client_for(official)
    with django_assert_max_num_queries(12) as few:
        page = client.get(reverse("notifications:list"))
    assert page.content.decode().count('data-testid="notification"') == 3
    for n in range(27):
        notify(user=official, title=f"更多{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(reverse("notifications:list"))
    assert page.content.decode().count('data-testid="notification"') == 30
    assert '<span class="nav-badge" data-testid="nav-badge">30</span>' in page.content.decode()


def test_the_badge_caps_at_99(client_for, official):
    from notifications.models import Notification

    Notification.objects.bulk_create([Notification(user=official, title=f"m{n}") for n in range(120)])
    html = client_for(official).get("/learning/hours/").content.decode()
    assert '<span class="nav-badge" data-testid="nav-badge">99+</span>' in html


def test_admins_see_no_hr_kinds_they_do_not_receive(client_for, admin_user):
    assert admin_user.has_role(Role.ADMIN)
    assert "学时进度月报" not in client_for(admin_user).get(SETTINGS).content.decode()
