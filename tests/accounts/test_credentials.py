import datetime as dt

import pytest

from accounts.models import Credential, CredentialEvent, CredentialStatus
from accounts.services.credentials import change_status, expire_overdue
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
