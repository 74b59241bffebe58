"""Running a session: who may manage it, the forms, manual marking, removal, lecturer credit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditLog, Role
from classroom.models import Attendance, TrainingSession
from classroom.services.sessions import (
    SessionError,
    mark_attendance,
    mark_session_held,
    remove_attendance,
    save_session,
)
from learning.models import CreditRuleSet, LedgerEntry, SourceKind
from learning.selectors.ledger import year_balance
from tests.conftest import enable_totp
from tests.factories import UserFactory

from .factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(org_tree, trainer):
    return TrainingSessionFactory(audience_units=[org_tree["shache"]], organiser=trainer, hours=Decimal("3"))


def _mark(session, user, by=None):
    return mark_attendance(session=session, user=user, method=Attendance.Method.MANUAL, marked_by=by)


# --- permissions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, method",
    [
        ("classroom:sessions_manage", "get"),
        ("classroom:session_create", "get"),
        ("classroom:series_schedule", "get"),
        ("classroom:session_import_template", "get"),
    ],
)
def test_a_learner_cannot_open_the_organiser_pages(learner, client_for, name, method):
    response = getattr(client_for(learner), method)(reverse(name))
    assert response.status_code == 403


@pytest.mark.parametrize(
    "name, method",
    [
        ("classroom:session_detail", "get"),
        ("classroom:session_edit", "get"),
        ("classroom:session_qr", "get"),
        ("classroom:session_import", "get"),
        ("classroom:session_mark", "post"),
        ("classroom:session_held", "post"),
        ("classroom:session_cancel", "post"),
    ],
)
def test_a_learner_cannot_manage_a_session(session, learner, client_for, name, method):
    response = getattr(client_for(learner), method)(reverse(name, args=[session.pk]), {"people": [learner.pk]})
    assert response.status_code == 403
    assert not Attendance.objects.exists()
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.SCHEDULED


def test_an_organiser_without_the_trainer_role_manages_only_their_own_session(org_tree, client_for):
    organiser = UserFactory(org_unit=org_tree["shache"])
    own = TrainingSessionFactory(organiser=organiser, audience_units=[org_tree["shache"]], title="本人组织的会前学法")
    other = TrainingSessionFactory(audience_units=[org_tree["shache"]], title="别人组织的培训")
    client = client_for(organiser)
    listing = client.get(reverse("classroom:sessions_manage")).content.decode()
    assert own.title in listing and other.title not in listing
    assert client.get(reverse("classroom:session_detail", args=[own.pk])).status_code == 200
    assert client.get(reverse("classroom:session_detail", args=[other.pk])).status_code == 403
    assert client.get(reverse("classroom:session_create")).status_code == 403


def test_removing_attendance_needs_a_manager(session, learner, client_for):
    attendance = _mark(session, learner).attendance
    url = reverse("classroom:session_attendance_remove", args=[session.pk, attendance.pk])
    assert client_for(learner).post(url, {"reason": "自己删"}).status_code == 403
    assert Attendance.objects.filter(pk=attendance.pk).exists()


# --- forms ----------------------------------------------------------------------------


def _form_data(org_tree, **extra):
    data = {
        "kind": "training",
        "title": "2025年第一期行政执法人员培训班",
        "starts_at": "2025-03-10T09:00",
        "ends_at": "2025-03-10T17:00",
        "hours": "6",
        "hour_category": "legal",
        "venue": "地区党校",
        "capacity": "",
        "description": "",
        "organiser": "",
        "lecturers": "",
        "audience_units": [org_tree["shache"].pk],
        "audience_people": "",
    }
    data.update(extra)
    return data


def test_a_trainer_creates_a_session_with_lecturers_and_audience(org_tree, trainer, learner, client_for):
    lecturer = UserFactory(org_unit=org_tree["pref"])
    data = _form_data(org_tree, lecturers=lecturer.employee_no, audience_people=learner.employee_no)
    response = client_for(trainer).post(reverse("classroom:session_create"), data)
    assert response.status_code == 302
    session = TrainingSession.objects.get()
    assert session.organiser == trainer
    assert list(session.lecturers.all()) == [lecturer]
    assert list(session.audience_people.all()) == [learner]
    assert session.starts_at == dt.datetime(2025, 3, 10, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai


def test_a_session_without_any_audience_rule_is_refused(org_tree, trainer, client_for):
    response = client_for(trainer).post(reverse("classroom:session_create"), _form_data(org_tree, audience_units=[]))
    assert response.status_code == 400
    assert "请至少指定一项参训范围" in response.content.decode()
    assert not TrainingSession.objects.exists()


def test_unknown_employee_numbers_are_named_in_the_form(org_tree, trainer, client_for):
    response = client_for(trainer).post(
        reverse("classroom:session_create"), _form_data(org_tree, lecturers="NOBODY1, NOBODY2")
    )
    assert response.status_code == 400
    assert "NOBODY1、NOBODY2" in response.content.decode()


def test_end_before_start_is_an_error(org_tree, trainer, client_for):
    response = client_for(trainer).post(
        reverse("classroom:session_create"), _form_data(org_tree, ends_at="2025-03-10T08:00")
    )
    assert response.status_code == 400
    assert "结束时间必须晚于开始时间" in response.content.decode()


def test_hours_cannot_change_once_someone_was_credited(session, learner, trainer, org_tree):
    _mark(session, learner)
    fields = {
        "kind": session.kind,
        "title": "改名可以",
        "starts_at": session.starts_at,
        "ends_at": session.ends_at,
        "hours": Decimal("8"),
        "hour_category_id": "legal",
        "venue": "",
        "capacity": None,
        "description": "",
    }
    with pytest.raises(SessionError, match="不能再修改学时"):
        save_session(
            session=session,
            fields=fields,
            lecturers=[],
            audience_units=[org_tree["shache"]],
            audience_people=[],
            by=trainer,
        )
    fields["hours"] = session.hours
    saved = save_session(
        session=session,
        fields=fields,
        lecturers=[],
        audience_units=[org_tree["shache"]],
        audience_people=[],
        by=trainer,
    )
    assert saved.title == "改名可以"


# --- manual marking -------------------------------------------------------------------


def test_manual_marking_by_checkbox_and_by_number(session, trainer, org_tree, client_for):
    a = UserFactory(org_unit=org_tree["shache_dept"])
    b = UserFactory(org_unit=org_tree["shache"])
    response = client_for(trainer).post(
        reverse("classroom:session_mark", args=[session.pk]), {"people": [a.pk], "employee_nos": b.employee_no}
    )
    assert response.status_code == 302
    marked = Attendance.objects.filter(session=session)
    assert {m.user_id for m in marked} == {a.pk, b.pk}
    assert {m.marked_by_id for m in marked} == {trainer.pk}
    assert LedgerEntry.objects.filter(source_kind=SourceKind.SESSION).count() == 2


def test_manual_marking_of_someone_outside_the_audience_marks_nobody(session, trainer, org_tree, client_for):
    inside = UserFactory(org_unit=org_tree["shache_dept"])
    outside = UserFactory(org_unit=org_tree["shufu_dept"], full_name="外县人员")
    response = client_for(trainer).post(
        reverse("classroom:session_mark", args=[session.pk]), {"people": [inside.pk, outside.pk]}
    )
    assert response.status_code == 400
    assert "外县人员" in response.content.decode()
    assert not Attendance.objects.exists()


def test_detail_page_lists_attendance_and_candidates(session, trainer, org_tree, client_for):
    present = UserFactory(org_unit=org_tree["shache_dept"], full_name="已到人员")
    UserFactory(org_unit=org_tree["shache_dept"], full_name="未到人员")
    _mark(session, present)
    body = client_for(trainer).get(reverse("classroom:session_detail", args=[session.pk])).content.decode()
    table = body.split('data-testid="attendance-table"')[1].split("</table>")[0]
    assert "已到人员" in table and "未到人员" not in table
    assert "未到人员" in body.split('id="manual"')[1]


def test_session_list_query_count_does_not_grow(org_tree, trainer, client_for, django_assert_max_num_queries):
    client = client_for(trainer)
    for _ in range(3):
        TrainingSessionFactory(audience_units=[org_tree["shache"]])
    with django_assert_max_num_queries(20) as small:
        client.get(reverse("classroom:sessions_manage"))
    for _ in range(15):
        TrainingSessionFactory(audience_units=[org_tree["shache"]])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("classroom:sessions_manage"))
    assert response.content.decode().count("learning/sessions/manage/") >= 18


# --- removal and re-marking -----------------------------------------------------------


def test_removing_an_attendance_reverses_its_hours_with_the_reason(session, learner, trainer, client_for):
    attendance = _mark(session, learner).attendance
    year = attendance.ledger_entry.year
    response = client_for(trainer).post(
        reverse("classroom:session_attendance_remove", args=[session.pk, attendance.pk]), {"reason": "误登记"}
    )
    assert response.status_code == 302
    assert not Attendance.objects.exists()
    original, reversal = LedgerEntry.objects.order_by("id")
    assert reversal.reverses == original and reversal.hours == -original.hours
    assert "误登记" in reversal.note
    assert year_balance(learner, year).total == Decimal("0")
    assert AuditLog.objects.filter(action="learning.attendance_remove", actor=trainer).exists()


def test_removal_without_a_reason_changes_nothing(session, learner, trainer):
    attendance = _mark(session, learner).attendance
    with pytest.raises(SessionError, match="撤销原因"):
        remove_attendance(attendance=attendance, by=trainer, reason="  ")
    assert Attendance.objects.count() == 1 and LedgerEntry.objects.count() == 1


def test_marking_again_after_removal_credits_again_under_a_fresh_key(session, learner, trainer):
    remove_attendance(attendance=_mark(session, learner).attendance, by=trainer, reason="误登记")
    again = _mark(session, learner)
    assert again.created
    assert again.attendance.ledger_entry.source_key == f"session:{session.pk}:{learner.pk}:2"
    assert year_balance(learner, again.attendance.ledger_entry.year).total == Decimal("3.00")


# --- held and lecturer credit ---------------------------------------------------------


def test_lecturers_are_credited_once_when_the_session_is_held(org_tree, trainer):
    lecturer = UserFactory(org_unit=org_tree["pref"])
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]], lecturers=[lecturer])
    year = timezone.localtime(session.starts_at).year
    CreditRuleSet.objects.create(year=year, lecturer_hours=Decimal("5"))
    first = mark_session_held(session=session, by=trainer)
    second = mark_session_held(session=session, by=trainer)
    assert [r.created for r in first] == [True] and [r.created for r in second] == [False]
    entry = LedgerEntry.objects.get(user=lecturer)
    assert entry.source_kind == SourceKind.LECTURE
    assert entry.source_key == f"lecture:{session.pk}:{lecturer.pk}"
    assert entry.hours == Decimal("5.00")
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.HELD and session.held_at is not None


def test_a_session_cannot_be_held_before_it_starts(org_tree, trainer):
    lecturer = UserFactory(org_unit=org_tree["pref"])
    later = TrainingSessionFactory(
        audience_units=[org_tree["shache"]], lecturers=[lecturer], starts_at=timezone.now() + dt.timedelta(days=1)
    )
    with pytest.raises(SessionError, match="尚未开始"):
        mark_session_held(session=later, by=trainer)
    assert not LedgerEntry.objects.exists()


def test_held_button_on_the_page_credits_lecturers(org_tree, session, trainer, client_for):
    lecturer = UserFactory(org_unit=org_tree["pref"])
    session.lecturers.add(lecturer)
    client = client_for(trainer)
    client.post(reverse("classroom:session_held", args=[session.pk]))
    client.post(reverse("classroom:session_held", args=[session.pk]))
    assert LedgerEntry.objects.filter(user=lecturer, source_kind=SourceKind.LECTURE).count() == 1


def test_an_admin_may_manage_any_session(session, org_tree, client_for):
    admin = UserFactory(org_unit=org_tree["pref"], roles=[Role.ADMIN])
    enable_totp(admin)
    assert client_for(admin).get(reverse("classroom:session_detail", args=[session.pk])).status_code == 200


def test_a_session_with_attendance_cannot_be_cancelled(session, learner, trainer, client_for):
    _mark(session, learner)
    client_for(trainer).post(reverse("classroom:session_cancel", args=[session.pk]))
    session.refresh_from_db()
    assert session.status == TrainingSession.Status.SCHEDULED
