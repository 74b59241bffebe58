"""QR check-in: the rotating code, its refusals, and crediting exactly once."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from classroom import checkin_codes
from classroom.models import Attendance, TrainingSession
from classroom.services.sessions import CheckInRefused, check_in_by_qr
from learning.models import LedgerEntry, SourceKind
from learning.selectors.ledger import year_balance
from tests.auth import sign_in
from tests.factories import UserFactory

from .factories import TrainingSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(org_tree):
    return TrainingSessionFactory(audience_units=[org_tree["shache"]], hours=Decimal("3"))


def _url(session, window=None):
    return checkin_codes.checkin_path(session.pk, checkin_codes.window_at() if window is None else window)


def test_code_changes_every_minute_and_is_bound_to_the_session(session):
    now = timezone.now()
    w = checkin_codes.window_at(now)
    assert checkin_codes.code_for(session.pk, w) != checkin_codes.code_for(session.pk, w + 1)
    assert checkin_codes.code_for(session.pk, w) != checkin_codes.code_for(session.pk + 1, w)
    assert checkin_codes.window_at(now + dt.timedelta(seconds=60)) == w + 1


def test_scanning_the_current_code_checks_in_and_credits_the_hours(session, learner, client_for):
    response = client_for(learner).get(_url(session))
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    attendance = Attendance.objects.get(session=session, user=learner)
    assert attendance.method == Attendance.Method.QR
    entry = attendance.ledger_entry
    assert entry.source_key == f"session:{session.pk}:{learner.pk}"
    assert entry.source_kind == SourceKind.SESSION
    assert entry.hours == Decimal("3.00")
    assert year_balance(learner, entry.year).total == Decimal("3.00")


def test_a_code_from_the_previous_minute_is_still_accepted(session, learner):
    now = timezone.now()
    window = checkin_codes.window_at(now) - 1
    code = checkin_codes.code_for(session.pk, window)
    result = check_in_by_qr(session_id=session.pk, window=window, code=code, user=learner, now=now)
    assert result.created


def test_a_photographed_code_reused_two_minutes_later_is_refused(session, learner, client_for):
    old_window = checkin_codes.window_at() - 2
    response = client_for(learner).get(_url(session, old_window))
    assert response.status_code == 400
    assert "二维码已过期，请重新扫描现场二维码" in response.content.decode()
    assert not Attendance.objects.filter(user=learner).exists()
    assert not LedgerEntry.objects.filter(user=learner).exists()


def test_the_same_code_is_refused_once_its_grace_minute_has_passed(session, learner):
    scanned = timezone.now()
    window = checkin_codes.window_at(scanned)
    code = checkin_codes.code_for(session.pk, window)
    later = scanned + dt.timedelta(seconds=121)
    with pytest.raises(CheckInRefused, match="二维码已过期"):
        check_in_by_qr(session_id=session.pk, window=window, code=code, user=learner, now=later)


def test_a_forged_code_is_refused(session, learner, client_for):
    window = checkin_codes.window_at()
    url = reverse("classroom:session_checkin", kwargs={"session_id": session.pk, "window": window, "code": "0" * 20})
    response = client_for(learner).get(url)
    assert response.status_code == 400
    assert "二维码无效" in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_code_of_another_session_does_not_work_for_this_one(org_tree, session, learner):
    other = TrainingSessionFactory(audience_units=[org_tree["shache"]])
    window = checkin_codes.window_at()
    with pytest.raises(CheckInRefused, match="二维码无效"):
        check_in_by_qr(
            session_id=session.pk, window=window, code=checkin_codes.code_for(other.pk, window), user=learner
        )


def test_someone_outside_the_audience_is_refused(session, org_tree, client_for):
    outsider = UserFactory(org_unit=org_tree["shufu_dept"])
    response = client_for(outsider).get(_url(session))
    assert response.status_code == 403
    assert "您不在本次培训的参训范围内" in response.content.decode()
    assert not Attendance.objects.exists()
    assert not LedgerEntry.objects.exists()


def test_checking_in_twice_credits_once(session, learner, client_for):
    client = client_for(learner)
    client.get(_url(session))
    second = client.get(_url(session))
    assert second.status_code == 200
    assert "您已签到" in second.content.decode()
    assert Attendance.objects.filter(session=session, user=learner).count() == 1
    assert LedgerEntry.objects.filter(user=learner).count() == 1
    assert year_balance(learner, timezone.now().year).total == Decimal("3.00")


def test_check_in_is_refused_long_before_the_start_and_after_the_end(org_tree, learner):
    now = timezone.now()
    window = checkin_codes.window_at(now)
    early = TrainingSessionFactory(audience_units=[org_tree["shache"]], starts_at=now + dt.timedelta(hours=2))
    over = TrainingSessionFactory(
        audience_units=[org_tree["shache"]], starts_at=now - dt.timedelta(hours=3), ends_at=now - dt.timedelta(hours=1)
    )
    with pytest.raises(CheckInRefused, match="签到尚未开始"):
        check_in_by_qr(session_id=early.pk, window=window, code=checkin_codes.code_for(early.pk, window), user=learner)
    with pytest.raises(CheckInRefused, match="签到已关闭"):
        check_in_by_qr(session_id=over.pk, window=window, code=checkin_codes.code_for(over.pk, window), user=learner)
    assert not Attendance.objects.exists()


def test_check_in_opens_thirty_minutes_before_the_start(org_tree, learner):
    now = timezone.now()
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]], starts_at=now + dt.timedelta(minutes=25))
    window = checkin_codes.window_at(now)
    result = check_in_by_qr(
        session_id=session.pk, window=window, code=checkin_codes.code_for(session.pk, window), user=learner, now=now
    )
    assert result.created


def test_a_cancelled_session_refuses_check_in(session, learner):
    TrainingSession.objects.filter(pk=session.pk).update(status=TrainingSession.Status.CANCELLED)
    window = checkin_codes.window_at()
    with pytest.raises(CheckInRefused, match="已取消"):
        check_in_by_qr(
            session_id=session.pk, window=window, code=checkin_codes.code_for(session.pk, window), user=learner
        )


def test_a_full_session_refuses_the_next_person(org_tree, session, learner):
    TrainingSession.objects.filter(pk=session.pk).update(capacity=1)
    first = UserFactory(org_unit=org_tree["shache_dept"])
    window = checkin_codes.window_at()
    code = checkin_codes.code_for(session.pk, window)
    check_in_by_qr(session_id=session.pk, window=window, code=code, user=first)
    with pytest.raises(CheckInRefused, match="满员"):
        check_in_by_qr(session_id=session.pk, window=window, code=code, user=learner)


def test_pre_meeting_study_is_posted_as_meeting_hours(org_tree, learner):
    meeting = TrainingSessionFactory(kind=TrainingSession.Kind.MEETING, audience_units=[org_tree["shache"]])
    window = checkin_codes.window_at()
    result = check_in_by_qr(
        session_id=meeting.pk, window=window, code=checkin_codes.code_for(meeting.pk, window), user=learner
    )
    assert result.attendance.ledger_entry.source_kind == SourceKind.MEETING


def test_scanning_before_signing_in_checks_in_after_sign_in(session, learner, client):
    response = client.get(_url(session))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert not Attendance.objects.exists()
    sign_in(client, learner)
    response = client.get(reverse("classroom:session_checkin_resume"))
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    assert Attendance.objects.filter(session=session, user=learner).exists()


def test_a_pending_scan_older_than_ten_minutes_is_refused_after_sign_in(session, learner, client):
    client.get(_url(session))
    stored = client.session
    stored["pending_session_checkin"]["at"] -= 11 * 60
    stored.save()
    sign_in(client, learner)
    response = client.get(reverse("classroom:session_checkin_resume"))
    assert "二维码已过期" in response.content.decode()
    assert not Attendance.objects.exists()


def test_qr_json_gives_a_fresh_svg_to_the_organiser_only(session, learner, trainer, client_for):
    url = reverse("classroom:session_qr_code", args=[session.pk])
    assert client_for(learner).get(url).status_code == 403
    data = client_for(trainer).get(url).json()
    assert data["svg"].startswith("<svg") and "viewBox" in data["svg"]
    session_id, window, code = data["url"].rstrip("/").split("/checkin/")[1].split("/")
    assert int(session_id) == session.pk
    assert checkin_codes.is_current(int(window)) and checkin_codes.is_authentic(session.pk, int(window), code)
    assert 1 <= data["seconds_left"] <= 60


def test_qr_page_shows_the_code_and_countdown(session, trainer, client_for):
    response = client_for(trainer).get(reverse("classroom:session_qr", args=[session.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "data-qr-countdown" in body and session.title in body


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_scans_by_one_person_credit_once(org_tree):
    session = TrainingSessionFactory(audience_units=[org_tree["shache"]])
    person = UserFactory(org_unit=org_tree["shache_dept"])
    window = checkin_codes.window_at()
    code = checkin_codes.code_for(session.pk, window)
    barrier = threading.Barrier(6)
    errors = []

    def scan():
        try:
            barrier.wait()
            check_in_by_qr(session_id=session.pk, window=window, code=code, user=person)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert Attendance.objects.filter(session=session, user=person).count() == 1
    assert LedgerEntry.objects.filter(user=person).count() == 1
