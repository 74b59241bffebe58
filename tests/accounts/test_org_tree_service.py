"""``accounts.services.org_tree``: the tree-shaping the directory sync asks of accounts."""

from __future__ import annotations

from accounts.models import OrgUnit
from accounts.services.org_tree import move_unit, parent_ids, resave_full_paths
from tests.factories import OrgUnitFactory


def _full_paths() -> dict[str, str]:
    return dict(OrgUnit.objects.values_list("code", "full_path"))


def test_parent_ids_gives_every_units_parent_in_one_query(org_tree, django_assert_num_queries):
    other_root = OrgUnitFactory(name="阿克苏地区", code="AKS", kind=OrgUnit.Kind.PREFECTURE)
    with django_assert_num_queries(1):
        parents = parent_ids()
    assert parents == {
        org_tree["pref"].pk: None,
        org_tree["shache"].pk: org_tree["pref"].pk,
        org_tree["shufu"].pk: org_tree["pref"].pk,
        org_tree["shache_dept"].pk: org_tree["shache"].pk,
        org_tree["shufu_dept"].pk: org_tree["shufu"].pk,
        other_root.pk: None,
    }


def test_a_unit_moves_with_everything_below_it(org_tree):
    moved = move_unit(OrgUnit.objects.get(code="KS-SC"), OrgUnit.objects.get(code="KS-SF"))

    assert moved
    parents = parent_ids()
    assert parents[org_tree["shache"].pk] == org_tree["shufu"].pk
    assert parents[org_tree["shache_dept"].pk] == org_tree["shache"].pk
    shufu = OrgUnit.objects.get(code="KS-SF")
    assert [u.code for u in shufu.get_children()] == ["KS-SC", "KS-SF-SJ"]  # siblings in code order
    # Full paths wait for resave_full_paths.
    assert _full_paths()["KS-SC-SJ"] == "喀什地区/莎车县/莎车县市场监督管理局"


def test_a_unit_moved_to_the_top_becomes_a_root(org_tree):
    assert move_unit(OrgUnit.objects.get(code="KS-SC"), None)

    parents = parent_ids()
    assert parents[org_tree["shache"].pk] is None
    assert parents[org_tree["shache_dept"].pk] == org_tree["shache"].pk
    assert sorted(u.code for u in OrgUnit.get_root_nodes()) == ["KS", "KS-SC"]


def test_a_unit_already_under_its_parent_stays_put(org_tree):
    before = list(OrgUnit.objects.order_by("pk").values_list("pk", "path"))

    assert not move_unit(OrgUnit.objects.get(code="KS-SC"), OrgUnit.objects.get(code="KS"))
    assert not move_unit(OrgUnit.objects.get(code="KS"), None)
    assert list(OrgUnit.objects.order_by("pk").values_list("pk", "path")) == before


def test_a_unit_read_before_another_move_still_moves_to_the_right_place(org_tree):
    """Objects read before a move that shifted them are read again, not trusted."""
    shache_dept, shufu = OrgUnit.objects.get(code="KS-SC-SJ"), OrgUnit.objects.get(code="KS-SF")
    move_unit(OrgUnit.objects.get(code="KS-SC"), None)  # shifts 莎车县市场监督管理局's place

    assert move_unit(shache_dept, shufu)
    assert parent_ids()[org_tree["shache_dept"].pk] == org_tree["shufu"].pk
    assert OrgUnit.find_problems() == ([], [], [], [], [])


def test_resave_full_paths_works_parents_out_before_children(org_tree):
    move_unit(OrgUnit.objects.get(code="KS-SC"), OrgUnit.objects.get(code="KS-SF"))
    OrgUnit.objects.filter(code="KS-SF").update(name="疏附")

    # Listed children first: the parents are still saved first.
    resave_full_paths([org_tree["shache_dept"].pk, org_tree["shache"].pk, org_tree["shufu"].pk])

    paths = _full_paths()
    assert paths["KS-SF"] == "喀什地区/疏附"
    assert paths["KS-SC"] == "喀什地区/疏附/莎车县"
    assert paths["KS-SC-SJ"] == "喀什地区/疏附/莎车县/莎车县市场监督管理局"
    assert paths["KS-SF-SJ"] == "喀什地区/疏附县/疏附县市场监督管理局"  # not listed: left alone
