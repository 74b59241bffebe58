"""The Django admin renames and moves units through ``accounts.services.org_tree``: no full path goes stale.

A unit's ``full_path`` names its ancestors, so renaming a county or moving a
department rewrites the path of everything below it. The admin's form and its
drag-and-drop both call ``change_unit``; these tests drive the admin as an
administrator does and read every unit's path back.
"""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import OrgUnit
from accounts.services.org_tree import UnitChangeRefused, change_unit, parent_ids
from tests.auth import sign_in
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(org_tree):
    """``org_tree`` with a township and a station below 莎车县市场监督管理局."""
    township = OrgUnitFactory(
        name="艾力西湖镇", code="KS-SC-SJ-AL", kind=OrgUnit.Kind.TOWNSHIP, parent=org_tree["shache_dept"]
    )
    OrgUnitFactory(name="艾力西湖镇市场监管所", code="KS-SC-SJ-AL-1", kind=OrgUnit.Kind.STATION, parent=township)
    return org_tree


@pytest.fixture
def admin_client(admin_user):
    return sign_in(Client(raise_request_exception=False), admin_user)


def _paths() -> dict[str, str]:
    return dict(OrgUnit.objects.values_list("code", "full_path"))


def _edit(client, unit: OrgUnit, **changes):
    parent = unit.get_parent()
    data = {"name": unit.name, "code": unit.code, "kind": unit.kind, "parent": parent.pk if parent else ""}
    data.update(changes)
    return client.post(f"/admin/accounts/orgunit/{unit.pk}/change/", {**data, "_save": "保存"})


def test_renaming_a_county_in_the_admin_renames_it_in_every_path_below(admin_client, tree):
    response = _edit(admin_client, OrgUnit.objects.get(code="KS-SC"), name="莎车县（新）")

    assert response.status_code == 302, response.content.decode()[:2000]
    assert _paths() == {
        "KS": "喀什地区",
        "KS-SC": "喀什地区/莎车县（新）",
        "KS-SC-SJ": "喀什地区/莎车县（新）/莎车县市场监督管理局",
        "KS-SC-SJ-AL": "喀什地区/莎车县（新）/莎车县市场监督管理局/艾力西湖镇",
        "KS-SC-SJ-AL-1": "喀什地区/莎车县（新）/莎车县市场监督管理局/艾力西湖镇/艾力西湖镇市场监管所",
        "KS-SF": "喀什地区/疏附县",
        "KS-SF-SJ": "喀什地区/疏附县/疏附县市场监督管理局",
    }


def test_moving_a_unit_in_the_admin_moves_its_subtree_and_rewrites_every_path(admin_client, tree):
    response = _edit(admin_client, OrgUnit.objects.get(code="KS-SC-SJ"), parent=tree["shufu"].pk)

    assert response.status_code == 302, response.content.decode()[:2000]
    paths = _paths()
    assert paths["KS-SC-SJ"] == "喀什地区/疏附县/莎车县市场监督管理局"
    assert paths["KS-SC-SJ-AL"] == "喀什地区/疏附县/莎车县市场监督管理局/艾力西湖镇"
    assert paths["KS-SC-SJ-AL-1"] == "喀什地区/疏附县/莎车县市场监督管理局/艾力西湖镇/艾力西湖镇市场监管所"
    assert paths["KS-SC"] == "喀什地区/莎车县"
    assert parent_ids()[tree["shache_dept"].pk] == tree["shufu"].pk
    shufu = OrgUnit.objects.get(code="KS-SF")
    assert [u.code for u in shufu.get_children()] == ["KS-SC-SJ", "KS-SF-SJ"]  # siblings in code order
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_a_unit_moved_to_the_top_in_the_admin_becomes_a_root_with_its_subtree(admin_client, tree):
    response = _edit(admin_client, OrgUnit.objects.get(code="KS-SC-SJ"), parent="", name="市场监督管理局")

    assert response.status_code == 302
    paths = _paths()
    assert paths["KS-SC-SJ"] == "市场监督管理局"
    assert paths["KS-SC-SJ-AL-1"] == "市场监督管理局/艾力西湖镇/艾力西湖镇市场监管所"
    assert parent_ids()[tree["shache_dept"].pk] is None


def test_dragging_a_unit_in_the_admins_tree_rewrites_every_path_below(admin_client, tree):
    township = OrgUnit.objects.get(code="KS-SC-SJ-AL")
    response = admin_client.post(
        "/admin/accounts/orgunit/move/", {"node_id": township.pk, "sibling_id": tree["shufu_dept"].pk, "as_child": 1}
    )

    assert response.status_code == 200
    paths = _paths()
    assert paths["KS-SC-SJ-AL"] == "喀什地区/疏附县/疏附县市场监督管理局/艾力西湖镇"
    assert paths["KS-SC-SJ-AL-1"] == "喀什地区/疏附县/疏附县市场监督管理局/艾力西湖镇/艾力西湖镇市场监管所"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["已把“艾力西湖镇”移到“喀什地区/疏附县/疏附县市场监督管理局”之下。"]


def test_dropping_a_unit_beside_another_puts_it_under_that_ones_parent(admin_client, tree):
    response = admin_client.post(
        "/admin/accounts/orgunit/move/",
        {"node_id": tree["shache_dept"].pk, "sibling_id": tree["shufu"].pk, "as_child": 0},
    )

    assert response.status_code == 200
    assert _paths()["KS-SC-SJ-AL"] == "喀什地区/莎车县市场监督管理局/艾力西湖镇"
    assert parent_ids()[tree["shache_dept"].pk] == tree["pref"].pk


def test_a_rename_onto_a_siblings_path_is_refused_beside_the_form_and_changes_nothing(admin_client, tree):
    before = _paths()

    response = _edit(admin_client, OrgUnit.objects.get(code="KS-SC"), name="疏附县")

    assert response.status_code == 200
    assert "已有单位的完整路径是“喀什地区/疏附县”，不能再有一个。" in response.content.decode()
    assert _paths() == before


def test_a_name_with_the_path_separator_is_refused(admin_client, tree):
    response = _edit(admin_client, OrgUnit.objects.get(code="KS-SC"), name="莎车/县")

    assert response.status_code == 200
    assert "不能含有“/”" in response.content.decode()
    assert _paths()["KS-SC"] == "喀什地区/莎车县"


def test_the_parent_list_leaves_out_the_unit_and_everything_below_it(admin_client, tree):
    shache = OrgUnit.objects.get(code="KS-SC")
    response = admin_client.get(f"/admin/accounts/orgunit/{shache.pk}/change/")

    choices = {unit.pk for unit in response.context["adminform"].form.fields["parent"].queryset}
    assert choices == {tree["pref"].pk, tree["shufu"].pk, tree["shufu_dept"].pk}
    assert "上级单位" in response.content.decode()
    # A forged parent below the unit is refused as a choice that is not offered.
    township = OrgUnit.objects.get(code="KS-SC-SJ-AL")
    assert _edit(admin_client, shache, parent=township.pk).status_code == 200
    assert parent_ids()[shache.pk] == tree["pref"].pk


def test_a_unit_added_in_the_admin_gets_its_full_path_under_the_chosen_parent(admin_client, tree):
    response = admin_client.post(
        "/admin/accounts/orgunit/add/",
        {
            "name": "莎车县司法局",
            "code": "KS-SC-SF",
            "kind": "department",
            "parent": tree["shache"].pk,
            "_save": "保存",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    unit = OrgUnit.objects.get(code="KS-SC-SF")
    assert unit.full_path == "喀什地区/莎车县/莎车县司法局"
    assert parent_ids()[unit.pk] == tree["shache"].pk


def test_the_tree_page_and_its_script_catalogue_are_served(admin_client, tree):
    page = admin_client.get("/admin/accounts/orgunit/")
    catalogue = admin_client.get("/admin/accounts/orgunit/jsi18n/")

    assert page.status_code == 200
    assert "艾力西湖镇市场监管所" in page.content.decode()
    assert catalogue.status_code == 200
    assert "gettext" in catalogue.content.decode()


def test_a_drag_naming_no_unit_is_a_404(admin_client, tree):
    for node_id in ("999999", "abc"):
        response = admin_client.post(
            "/admin/accounts/orgunit/move/", {"node_id": node_id, "sibling_id": tree["shufu"].pk, "as_child": 1}
        )
        assert response.status_code == 404


# --- the service itself ----------------------------------------------------------------------


def test_change_unit_refuses_a_parent_below_the_unit(tree):
    shache, township = OrgUnit.objects.get(code="KS-SC"), OrgUnit.objects.get(code="KS-SC-SJ-AL")
    with pytest.raises(UnitChangeRefused, match="下级单位"):
        change_unit(unit=shache, name=shache.name, code=shache.code, kind=shache.kind, parent=township)
    with pytest.raises(UnitChangeRefused, match="下级单位"):
        change_unit(unit=shache, name=shache.name, code=shache.code, kind=shache.kind, parent=shache)


def test_change_unit_refuses_another_units_code(tree):
    shache = OrgUnit.objects.get(code="KS-SC")
    with pytest.raises(UnitChangeRefused, match="KS-SF"):
        change_unit(unit=shache, name="莎车", code="KS-SF", kind=shache.kind, parent=tree["pref"])
    assert _paths()["KS-SC"] == "喀什地区/莎车县"


def test_a_new_code_sorts_the_unit_among_its_siblings(tree):
    shache = OrgUnit.objects.get(code="KS-SC")
    change_unit(unit=shache, name=shache.name, code="KS-ZZ", kind=shache.kind, parent=tree["pref"])

    pref = OrgUnit.objects.get(code="KS")
    assert [u.code for u in pref.get_children()] == ["KS-SF", "KS-ZZ"]
    assert _paths()["KS-SC-SJ-AL"] == "喀什地区/莎车县/莎车县市场监督管理局/艾力西湖镇"
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_a_rename_costs_a_bounded_number_of_queries_per_unit_below(tree, django_assert_max_num_queries):
    shache = OrgUnit.objects.get(code="KS-SC")
    # The checks and the move: 14 statements; then each of the 4 units is read and saved (its post_save is sent).
    with django_assert_max_num_queries(14 + 2 * 4):
        change_unit(unit=shache, name="莎车", code=shache.code, kind=shache.kind, parent=tree["pref"])


def test_the_drag_tooltips_of_the_tree_are_chinese(admin_client, tree):
    """treebeard's script reads them with gettext() from the admin's catalogue, which the page loads."""
    page = admin_client.get("/admin/accounts/orgunit/").content.decode()
    catalogue = admin_client.get("/admin/jsi18n/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert 'src="/admin/jsi18n/"' in page
    for chinese in ("取消", "作为同级", "作为下级"):
        assert chinese.encode("unicode_escape").decode() in catalogue or chinese in catalogue
