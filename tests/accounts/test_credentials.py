import datetime as dt

import pytest

from accounts.models import Credential, CredentialEvent, CredentialStatus
from accounts.services.credentials import StatusChange, change_status, change_statuses, expire_overdue
from directory.importers.staff import import_staff
from tests.factories import UserFactory

from .xlsx_files import good_rows, staff_file


def test_staff_import_registers_credentials_once(org_tree):
    import_staff(staff_file(good_rows(3)))
    assert Credential.objects.count() == 3
    credential = Credential.objects.get(number="653100000001")
    assert credential.holder.employee_no == "S00001"
    assert credential.status == CredentialStatus.VALID
    assert list(credential.events.values_list("to_status", flat=True)) == [CredentialStatus.VALID]
    import_staff(staff_file(good_rows(3)))
    assert Credential.objects.count() == 3
    assert CredentialEvent.objects.count() == 3


def test_status_change_is_recorded_with_who_and_why(org_tree, admin_user):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    credential = Credential.objects.create(holder=holder, number="C-1")
    event = change_status(
        credential=credential, to_status=CredentialStatus.SUSPENDED, reason="违规执法", actor=admin_user
    )
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        CredentialStatus.VALID,
        CredentialStatus.SUSPENDED,
        admin_user,
        "违规执法",
    )
    assert change_status(credential=credential, to_status=CredentialStatus.SUSPENDED, reason="again") is None
    with pytest.raises(ValueError):
        change_status(credential=credential, to_status=CredentialStatus.VALID, reason=" ")
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.SUSPENDED


def test_overdue_credentials_expire(org_tree):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    old = Credential.objects.create(holder=holder, number="C-OLD", expires_on=dt.date(2020, 1, 1))
    current = Credential.objects.create(holder=holder, number="C-NEW", expires_on=dt.date(2099, 1, 1))
    assert expire_overdue() == 1
    assert expire_overdue() == 0
    old.refresh_from_db()
    current.refresh_from_db()
    assert old.status == CredentialStatus.EXPIRED and current.status == CredentialStatus.VALID
    assert old.events.get().reason == "超过有效期"


def test_admin_status_change_needs_a_reason_and_is_recorded(org_tree, admin_user, client_for):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    credential = Credential.objects.create(holder=holder, number="C-ADM")
    client = client_for(admin_user)
    url = f"/admin/accounts/credential/{credential.pk}/change/"
    data = {
        "holder": holder.pk,
        "number": "C-ADM",
        "status": CredentialStatus.REVOKED,
        "change_reason": "",
        "events-TOTAL_FORMS": "0",
        "events-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "必须填写原因" in response.content.decode()
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.VALID
    client.post(url, {**data, "change_reason": "调离执法岗位"})
    credential.refresh_from_db()
    assert credential.status == CredentialStatus.REVOKED
    assert credential.events.get().reason == "调离执法岗位"


def test_hr_sees_only_credentials_in_scope_in_admin(org_tree, client_for):
    from django.contrib.auth.models import Permission

    from accounts.models import Role
    from tests.conftest import enable_totp

    hr = UserFactory(org_unit=org_tree["shache"], roles=[Role.HR], is_staff=True)
    hr.scope_units.add(org_tree["shache"])
    hr.user_permissions.add(Permission.objects.get(codename="view_credential"))
    enable_totp(hr)
    Credential.objects.create(holder=UserFactory(org_unit=org_tree["shache_dept"]), number="IN-SCOPE")
    Credential.objects.create(holder=UserFactory(org_unit=org_tree["shufu_dept"]), number="OUT-SCOPE")
    html = client_for(hr).get("/admin/accounts/credential/").content.decode()
    assert "IN-SCOPE" in html and "OUT-SCOPE" not in html


def _moves(credentials):
    """The same moves for two sets of credentials: suspend, already valid, twice in a row, blank-padded reason."""
    a, b, c, d = credentials
    return [
        (a, CredentialStatus.SUSPENDED, "违规执法"),
        (b, CredentialStatus.VALID, "已是有效"),
        (c, CredentialStatus.PENDING_REVIEW, "年审未通过"),
        (c, CredentialStatus.VALID, "  补正通过  "),
        (d, CredentialStatus.REVOKED, "吊销"),
        (a, CredentialStatus.SUSPENDED, "重复"),
    ]


def _history(credentials):
    return [
        [(e.from_status, e.to_status, e.reason, e.actor_id, e.year) for e in c.events.order_by("pk")]
        + [Credential.objects.get(pk=c.pk).status]
        for c in credentials
    ]


def test_bulk_status_changes_leave_the_rows_one_by_one_leaves(org_tree, admin_user):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    one_by_one = [Credential.objects.create(holder=holder, number=f"A-{n}") for n in range(4)]
    bulk = [Credential.objects.create(holder=holder, number=f"B-{n}") for n in range(4)]
    singles = [
        change_status(credential=c, to_status=to, reason=why, actor=admin_user, year=2025)
        for c, to, why in _moves(one_by_one)
    ]
    events = change_statuses([StatusChange(c, to, why) for c, to, why in _moves(bulk)], actor=admin_user, year=2025)
    assert [e is None for e in events] == [e is None for e in singles] == [False, True, False, False, False, True]
    assert _history(bulk) == _history(one_by_one)
    assert _history(bulk)[2] == [
        (CredentialStatus.VALID, CredentialStatus.PENDING_REVIEW, "年审未通过", admin_user.pk, 2025),
        (CredentialStatus.PENDING_REVIEW, CredentialStatus.VALID, "补正通过", admin_user.pk, 2025),
        CredentialStatus.VALID,
    ]
    # The objects passed in follow, as with change_status.
    assert [c.status for c in bulk] == [c.status for c in one_by_one]
    assert all(e.pk for e in events if e is not None)


def test_bulk_status_changes_refuse_a_blank_reason_before_writing_anything(org_tree):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    first, second = (Credential.objects.create(holder=holder, number=f"C-{n}") for n in range(2))
    with pytest.raises(ValueError, match="原因"):
        change_statuses(
            [
                StatusChange(first, CredentialStatus.SUSPENDED, "违规执法"),
                StatusChange(second, CredentialStatus.SUSPENDED, "  "),
            ]
        )
    assert not CredentialEvent.objects.exists()
    assert set(Credential.objects.values_list("status", flat=True)) == {CredentialStatus.VALID}
    assert change_statuses([]) == []


def test_bulk_status_changes_take_a_few_statements_for_many(org_tree, django_assert_max_num_queries):
    holder = UserFactory(org_unit=org_tree["shache_dept"])
    credentials = [Credential.objects.create(holder=holder, number=f"M-{n}") for n in range(50)]
    with django_assert_max_num_queries(6):
        events = change_statuses(
            [StatusChange(c, CredentialStatus.PENDING_REVIEW, "年审未通过") for c in credentials], year=2025
        )
    assert len(events) == 50 and CredentialEvent.objects.filter(year=2025).count() == 50
    assert Credential.objects.filter(status=CredentialStatus.PENDING_REVIEW).count() == 50
