"""The exam admin's 特殊安排 pages and the learner's exam page: what trainers and learners see of accommodations."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog
from exams.models import ExamAccommodation
from exams.services.accommodations import grant_accommodation
from tests.factories import UserFactory

from . import factories_exams as f

pytestmark = pytest.mark.django_db


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _data(**overrides) -> dict:
    data = {"people": [], "units": [], "extra_minutes": "15", "opens_at": "", "closes_at": "", "reason": "视力障碍"}
    data.update(overrides)
    return data


@pytest.fixture
def exam():
    return f.exam(f.mixed_paper())


def test_a_trainer_grants_extra_time_from_the_exam_admin_and_sees_it_listed(exam, trainer, learner, client_for):
    client = client_for(trainer)
    edit_page = client.get(reverse("exams_exams:edit", args=[exam.pk])).content.decode()
    index_url = reverse("exams_accommodations:index", args=[exam.pk])
    assert index_url in edit_page  # the edit page's header menu links it
    assert "这场考试还没有特殊安排" in client.get(index_url).content.decode()

    response = client.post(reverse("exams_accommodations:add", args=[exam.pk]), _data(people=[learner.pk]))
    assert response.status_code == 302 and response.url == index_url
    row = ExamAccommodation.objects.get()
    assert (row.user, row.extra_minutes, row.granted_by, row.reason) == (learner, 15, trainer, "视力障碍")
    listing = client.get(index_url).content.decode()
    assert "艾力·买买提" in listing and "延长 15 分钟" in listing and "视力障碍" in listing
    assert AuditLog.objects.filter(action="exams.accommodation_grant", actor=trainer).count() == 1


def test_a_trainer_grants_a_unit_a_separate_window_changes_and_removes_it(exam, trainer, org_tree, client_for):
    client = client_for(trainer)
    now = timezone.now()
    opens, closes = now + timedelta(days=3), now + timedelta(days=3, hours=2)
    window = {"opens_at": _local(opens), "closes_at": _local(closes), "extra_minutes": "0"}
    add = client.post(
        reverse("exams_accommodations:add", args=[exam.pk]),
        _data(units=[org_tree["shache"].pk], reason="莎车县集中补考", **window),
    )
    assert add.status_code == 302
    row = ExamAccommodation.objects.get()
    assert row.unit == org_tree["shache"] and row.closes_at.replace(second=0, microsecond=0) == closes.replace(
        second=0, microsecond=0
    )
    edit = client.post(
        reverse("exams_accommodations:edit", args=[exam.pk, row.pk]),
        _data(units=[org_tree["shache"].pk], reason="莎车县集中补考（改期）", **{**window, "extra_minutes": "10"}),
    )
    assert edit.status_code == 302
    row.refresh_from_db()
    assert (row.extra_minutes, row.reason) == (10, "莎车县集中补考（改期）")
    confirm = client.get(reverse("exams_accommodations:delete", args=[exam.pk, row.pk])).content.decode()
    assert "确定取消以下特殊安排吗" in confirm
    assert client.post(reverse("exams_accommodations:delete", args=[exam.pk, row.pk])).status_code == 302
    assert not ExamAccommodation.objects.exists()
    assert list(
        AuditLog.objects.filter(action__startswith="exams.accommodation_")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["exams.accommodation_grant", "exams.accommodation_change", "exams.accommodation_revoke"]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"reason": ""}, "reason", "请填写原因。"),
        ({"extra_minutes": "-5"}, "extra_minutes", "延长时间不能是负数。"),
        ({"opens_at": "later", "closes_at": "earlier"}, "closes_at", "单独安排的截止时间须晚于开考时间。"),
        ({"people": []}, "people", "请选择一位人员或一个单位（只能选一项）。"),
        ({"extra_minutes": "0"}, "extra_minutes", "请填写延长时间，或单独安排考试时间。"),
    ],
)
def test_the_form_refuses_bad_input_with_a_chinese_message(
    exam, trainer, learner, client_for, overrides, field, message
):
    now = timezone.now()
    times = {"later": _local(now + timedelta(days=2)), "earlier": _local(now + timedelta(days=1))}
    data = _data(people=[learner.pk])
    data.update({k: times.get(v, v) if isinstance(v, str) else v for k, v in overrides.items()})
    response = client_for(trainer).post(reverse("exams_accommodations:add", args=[exam.pk]), data)
    assert response.status_code == 200
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not ExamAccommodation.objects.exists() and not AuditLog.objects.exists()


def test_a_cms_user_who_cannot_edit_the_exam_is_refused_every_page(exam, trainer, reviewer, learner, client_for):
    """A 法制审核员 opens the CMS but may not edit exams: every 特殊安排 page is refused (Wagtail sends a refused
    admin request back to the CMS home with its message), nothing changes."""
    row = grant_accommodation(exam=exam, actor=trainer, user=learner, extra_minutes=15, reason="视力障碍")
    client = client_for(reviewer)
    assert client.get(reverse("wagtailadmin_home")).status_code == 200
    urls = [
        reverse("exams_accommodations:index", args=[exam.pk]),
        reverse("exams_accommodations:add", args=[exam.pk]),
        reverse("exams_accommodations:edit", args=[exam.pk, row.pk]),
        reverse("exams_accommodations:delete", args=[exam.pk, row.pk]),
    ]
    home = reverse("wagtailadmin_home")
    for url in urls:
        for response in (client.get(url), client.post(url, _data(people=[learner.pk], extra_minutes="60"))):
            assert (response.status_code, response.url) == (302, home)
    row.refresh_from_db()
    assert row.extra_minutes == 15 and ExamAccommodation.objects.count() == 1
    assert AuditLog.objects.filter(action__startswith="exams.accommodation_").count() == 1


def test_someone_who_cannot_edit_the_exam_cannot_open_or_post_the_pages(exam, trainer, hr_shache, learner, client_for):
    row = grant_accommodation(exam=exam, actor=trainer, user=learner, extra_minutes=15, reason="视力障碍")
    client = client_for(hr_shache)
    urls = [
        reverse("exams_accommodations:index", args=[exam.pk]),
        reverse("exams_accommodations:add", args=[exam.pk]),
        reverse("exams_accommodations:edit", args=[exam.pk, row.pk]),
        reverse("exams_accommodations:delete", args=[exam.pk, row.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code in (302, 403)
        assert client.post(url, _data(people=[learner.pk])).status_code in (302, 403)
    row.refresh_from_db()
    assert row.extra_minutes == 15 and ExamAccommodation.objects.count() == 1
    assert AuditLog.objects.filter(action__startswith="exams.accommodation_").count() == 1


def test_the_learner_sees_their_own_extra_time_and_window_on_the_exam_page(exam, trainer, learner, client_for):
    grant_accommodation(exam=exam, actor=trainer, user=learner, extra_minutes=15, reason="视力障碍（不向学员显示）")
    page = client_for(learner).get(reverse("exams:exam_detail", args=[exam.pk])).content.decode()
    assert "您有延长 15 分钟的安排。" in page
    assert "视力障碍" not in page  # the reason is the trainer's record, not shown to the learner
    other = UserFactory(org_unit=learner.org_unit)
    assert "您有延长" not in client_for(other).get(reverse("exams:exam_detail", args=[exam.pk])).content.decode()


def test_the_learner_with_a_later_window_is_told_when_and_cannot_start_yet(exam, trainer, learner, client_for):
    now = timezone.now()
    opens, closes = now + timedelta(days=2), now + timedelta(days=2, hours=1)
    grant_accommodation(exam=exam, actor=trainer, user=learner, opens_at=opens, closes_at=closes, reason="病假")
    client = client_for(learner)
    page = client.get(reverse("exams:exam_detail", args=[exam.pk])).content.decode()
    assert "您的考试时间已单独安排为：" in page and _local(opens) in page
    assert 'data-testid="start-exam"' not in page and "考试尚未开始" in page
    my_exams = client.get(reverse("exams:my_exams")).content.decode()
    assert "您的考试时间已单独安排为：" in my_exams
