import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from accounts import scope
from accounts.models import AuditLog, Role
from tests.conftest import enable_totp
from tests.factories import UserFactory


@pytest.fixture
def people(org_tree):
    return {
        "in_dept": UserFactory(full_name="莎车甲", employee_no="IN1", org_unit=org_tree["shache_dept"]),
        "in_county": UserFactory(full_name="莎车乙", employee_no="IN2", org_unit=org_tree["shache"]),
        "out": UserFactory(full_name="疏附丙", employee_no="OUT1", org_unit=org_tree["shufu_dept"]),
        "pref": UserFactory(full_name="地区丁", employee_no="OUT2", org_unit=org_tree["pref"]),
    }


def test_scope_rule_covers_subtree_only(hr_shache, people):
    visible = set(scope.filter_people(hr_shache, type(hr_shache).objects.all()).values_list("employee_no", flat=True))
    assert {"IN1", "IN2", hr_shache.employee_no} <= visible
    assert not visible & {"OUT1", "OUT2"}
    assert scope.can_view_person(hr_shache, people["in_dept"])
    assert not scope.can_view_person(hr_shache, people["out"])


def test_learner_sees_only_self(learner, people):
    visible = list(scope.filter_people(learner, type(learner).objects.all()))
    assert visible == [learner]


def test_admin_sees_everyone(admin_user, people):
    assert scope.scope_paths(admin_user) is None
    assert scope.filter_people(admin_user, type(admin_user).objects.all()).count() == type(admin_user).objects.count()


def test_hr_list_shows_only_own_county(hr_shache, people, client_for):
    html = client_for(hr_shache).get(reverse("directory:staff_list")).content.decode()
    assert "莎车甲" in html and "莎车乙" in html
    assert "疏附丙" not in html and "地区丁" not in html


def test_hr_cannot_open_person_outside_scope(hr_shache, people, client_for):
    client = client_for(hr_shache)
    assert client.get(reverse("directory:staff_detail", args=["IN1"])).status_code == 200
    assert client.get(reverse("directory:staff_detail", args=["OUT1"])).status_code == 404
    assert client.get(reverse("directory:staff_detail", args=["OUT2"])).status_code == 404


def test_hr_export_contains_only_scope_and_is_audited(hr_shache, people, client_for, org_tree):
    client = client_for(hr_shache)
    # Even a forged filter pointing outside the scope exports nobody from outside.
    response = client.get(reverse("directory:staff_export"), {"unit": org_tree["shufu"].pk})
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "OUT1" not in numbers
    response = client.get(reverse("directory:staff_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    numbers = {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert {"IN1", "IN2"} <= numbers and not numbers & {"OUT1", "OUT2"}
    assert AuditLog.objects.filter(action="staff_export", actor=hr_shache).count() == 2


def test_export_neutralises_formula_cells(hr_shache, org_tree, client_for):
    UserFactory(full_name='=HYPERLINK("x")', employee_no="F1", org_unit=org_tree["shache_dept"], position="@SUM(1)")
    response = client_for(hr_shache).get(reverse("directory:staff_export"), {"q": "F1"})
    row = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))[0]
    assert row[1] == '\'=HYPERLINK("x")' and row[4] == "'@SUM(1)"


def test_django_admin_user_list_is_scoped(org_tree, people, client_for):
    hr_admin = UserFactory(org_unit=org_tree["shache"], roles=[Role.HR], is_staff=True, is_superuser=False)
    hr_admin.scope_units.add(org_tree["shache"])
    from django.contrib.auth.models import Permission

    hr_admin.user_permissions.add(Permission.objects.get(codename="view_user"))
    enable_totp(hr_admin)
    html = client_for(hr_admin).get("/admin/accounts/user/").content.decode()
    assert "IN1" in html and "OUT1" not in html


def test_staff_list_query_count_does_not_grow(hr_shache, org_tree, client_for, django_assert_max_num_queries):
    client = client_for(hr_shache)
    UserFactory.create_batch(3, org_unit=org_tree["shache_dept"])
    with django_assert_max_num_queries(12) as small:
        client.get(reverse("directory:staff_list"))
    UserFactory.create_batch(40, org_unit=org_tree["shache_dept"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("directory:staff_list"))
