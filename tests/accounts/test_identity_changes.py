"""HR cannot take over accounts: login identifiers change visibly, never silently."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import AuditLog, Role, User
from core.xlsx import ImportFailed
from directory.importers.staff import import_staff
from tests.factories import UserFactory

from .xlsx_files import staff_file

UNIT = "喀什地区/莎车县/莎车县市场监督管理局"


def row(person, email):
    return [UNIT, person.employee_no, person.full_name, "执法人员", "科员", "", "", email]


@pytest.mark.parametrize("role", [Role.TRAINER, Role.REVIEWER, Role.HR, Role.ADMIN])
def test_import_cannot_change_the_login_email_of_a_privileged_account(org_tree, hr_shache, role):
    target = UserFactory(
        full_name="赵强", email="zhao@example.cn", org_unit=org_tree["shache_dept"], roles=[role], is_staff=True
    )
    with pytest.raises(ImportFailed) as exc:
        import_staff(staff_file([row(target, "attacker@evil.example")]), actor=hr_shache)
    (problem,) = exc.value.problems
    assert (problem.row, problem.column) == (2, "邮箱")
    assert (
        "赵强" in problem.message and "不能通过人员导入修改" in problem.message and "zhao@example.cn" in problem.message
    )
    target.refresh_from_db()
    assert target.email == "zhao@example.cn"
    assert not AuditLog.objects.filter(action="identity_change").exists()


def test_import_cannot_give_an_email_to_a_privileged_account_that_had_none(org_tree):
    target = UserFactory(full_name="赵强", email=None, org_unit=org_tree["shache_dept"], is_staff=True)
    with pytest.raises(ImportFailed):
        import_staff(staff_file([row(target, "attacker@evil.example")]))
    target.refresh_from_db()
    assert target.email is None


def test_import_may_keep_a_privileged_accounts_email_as_it_is(org_tree, hr_shache):
    target = UserFactory(
        full_name="赵强", email="Zhao@Example.cn", org_unit=org_tree["shache_dept"], roles=[Role.TRAINER]
    )
    result = import_staff(staff_file([row(target, "zhao@example.cn")]), actor=hr_shache)
    assert result.login_changes == []


def test_an_imported_email_change_is_audited_and_the_old_address_told(
    org_tree, hr_shache, django_capture_on_commit_callbacks
):
    person = UserFactory(full_name="李建华", email="li@example.cn", org_unit=org_tree["shache_dept"])
    EmailAddress.objects.create(user=person, email="li@example.cn", primary=True, verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        import_staff(staff_file([row(person, "li.jianhua@example.cn")]), actor=hr_shache)
    person.refresh_from_db()
    assert person.email == "li.jianhua@example.cn"
    entry = AuditLog.objects.get(action="identity_change")
    assert entry.actor == hr_shache
    assert entry.details == {
        "user_id": person.pk,
        "field": "email",
        "old": "li@example.cn",
        "new": "li.jianhua@example.cn",
        "via": "staff_import",
    }
    (notice,) = mail.outbox
    assert notice.to == ["li@example.cn"]
    assert "登录邮箱" in notice.body and "l***@example.cn" in notice.body
    # The old address no longer signs in or receives reset links.
    assert not EmailAddress.objects.filter(user=person, email="li@example.cn").exists()


def test_a_dry_run_records_nothing(org_tree, django_capture_on_commit_callbacks):
    person = UserFactory(full_name="李建华", email="li@example.cn", org_unit=org_tree["shache_dept"])
    with django_capture_on_commit_callbacks(execute=True):
        import_staff(staff_file([row(person, "new@example.cn")]), dry_run=True)
    assert not AuditLog.objects.filter(action="identity_change").exists()
    assert mail.outbox == []


def test_an_admin_edit_of_email_or_employee_number_is_audited(
    client_for, admin_user, org_tree, django_capture_on_commit_callbacks
):
    person = UserFactory(employee_no="E-OLD", email="old@example.cn", org_unit=org_tree["shache_dept"])
    client = client_for(admin_user)
    page = client.get(reverse("admin:accounts_user_change", args=[person.pk]))
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list | tuple)}
    data.update(
        {
            "employee_no": "E-NEW",
            "email": "new@example.cn",
            "full_name": person.full_name,
            "org_unit": person.org_unit_id,
            "staff_category": person.staff_category,
            "date_joined_0": "2026-01-01",
            "date_joined_1": "08:00:00",
            "is_active": "on",
        }
    )
    for key in ("last_login", "date_joined", "groups", "user_permissions", "scope_units", "password"):
        data.pop(key, None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:accounts_user_change", args=[person.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    changes = {e.details["field"]: e for e in AuditLog.objects.filter(action="identity_change")}
    assert set(changes) == {"employee_no", "email"}
    assert changes["employee_no"].details["old"] == "E-OLD" and changes["employee_no"].details["new"] == "E-NEW"
    assert all(e.actor == admin_user for e in changes.values())
    (notice,) = mail.outbox
    assert notice.to == ["old@example.cn"] and "E-OLD" in notice.body and "E-NEW" in notice.body


def test_saving_other_fields_or_the_last_login_records_nothing(org_tree):
    person = UserFactory(email="same@example.cn", org_unit=org_tree["shache_dept"])
    person = User.objects.get(pk=person.pk)
    person.position = "科长"
    person.save()
    person.email = "SAME@example.cn"  # the same address for the database
    person.save(update_fields=["email"])
    assert not AuditLog.objects.filter(action="identity_change").exists()
