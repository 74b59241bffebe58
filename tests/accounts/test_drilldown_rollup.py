"""``drilldown.rollup_key_of``: rows grouped per unit roll up in Python to the key ``rollup_key`` gives in SQL.

The annual review counts holders once per unit (one grouped query shared by
several figures) and rolls those counts up to the row units afterwards; the two
roll-ups must agree, or a person would be counted under another unit.
"""

from __future__ import annotations

import pytest

from accounts import drilldown
from accounts.models import User
from tests.factories import UserFactory


@pytest.fixture
def people(org_tree):
    for number, unit in [
        ("PREF", org_tree["pref"]),
        ("SC", org_tree["shache"]),
        ("SC-SJ", org_tree["shache_dept"]),
        ("SF-SJ", org_tree["shufu_dept"]),
        ("NONE", None),
    ]:
        UserFactory(employee_no=number, org_unit=unit)


def _rolled_up(unit, row_units) -> tuple[dict[str, str], dict[str, str]]:
    """``employee_no → key`` rolled up in SQL (``rollup_key``) and in Python (``rollup_key_of``)."""
    rows = User.objects.filter(employee_no__in=["PREF", "SC", "SC-SJ", "SF-SJ", "NONE"]).annotate(
        group=drilldown.rollup_key(unit, row_units)
    )
    in_sql = {no: group or "" for no, group in rows.values_list("employee_no", "group")}
    in_python = {
        no: drilldown.rollup_key_of(key, unit, row_units)
        for no, key in rows.values_list("employee_no", drilldown.unit_key())
    }
    return in_sql, in_python


def test_below_a_unit_rows_roll_up_to_its_children_or_to_the_unit_itself(org_tree, people):
    unit = org_tree["pref"]
    in_sql, in_python = _rolled_up(unit, drilldown.child_units(None, unit))
    shache, shufu = drilldown.key_of(org_tree["shache"]), drilldown.key_of(org_tree["shufu"])
    expected = {"PREF": drilldown.key_of(unit), "SC": shache, "SC-SJ": shache, "SF-SJ": shufu, "NONE": ""}
    assert in_python == in_sql == expected


def test_without_a_unit_rows_roll_up_to_the_viewers_top_units_and_others_to_nothing(org_tree, people, hr_shache):
    tops = drilldown.child_units(hr_shache, None)
    assert tops == [org_tree["shache"]]
    in_sql, in_python = _rolled_up(None, tops)
    shache = drilldown.key_of(org_tree["shache"])
    assert in_python == in_sql == {"PREF": "", "SC": shache, "SC-SJ": shache, "SF-SJ": "", "NONE": ""}
