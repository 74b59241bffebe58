import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import AuditLog, OrgUnit, Role
from learning.models import AnnualRequirement, CategoryMinimum
from learning.selectors.compliance import (
    breadcrumbs,
    histogram,
    resolve_unit,
    rollup,
    row_units_for,
    unit_context,
    year_rules,
)
from tests.factories import OrgUnitFactory, UserFactory

from .factories import credit

YEAR = 2025
PAST = dt.date(YEAR, 6, 1)


@pytest.fixture
def staff(org_tree):
    """莎车: one compliant, one behind; 疏附: one compliant (outside the 莎车 HR's scope)."""
    ok = UserFactory(full_name="达标者", employee_no="SC001", org_unit=org_tree["shache_dept"])
    behind = UserFactory(full_name="落后者", employee_no="SC002", org_unit=org_tree["shache_dept"])
    other = UserFactory(full_name="疏附人", employee_no="SF001", org_unit=org_tree["shufu_dept"])
    credit(ok, hours="40", category="legal", earned_on=PAST)
    credit(ok, hours="25", category="professional", earned_on=PAST)
    credit(behind, hours="10", earned_on=PAST)
    credit(other, hours="61", earned_on=PAST)
    return {"ok": ok, "behind": behind, "other": other}


def _url(name, *args, **params):
    from urllib.parse import urlencode

    return reverse(f"learning:{name}", args=args) + ("?" + urlencode(params) if params else "")


def test_compliance_page_shows_only_the_officers_scope(client_for, hr_shache, staff):
    page = client_for(hr_shache).get(_url("compliance", year=YEAR))
    assert page.status_code == 200
    html = page.content.decode()
    assert "达标者" in html and "落后者" in html
    assert "疏附人" not in html
    stats = page.context["rollup"].totals
    assert (stats.headcount, stats.compliant) == (3, 1)  # two staff + the HR officer herself
    assert page.context["unit"] == hr_shache.scope_units.get()


def test_unit_outside_scope_is_forbidden_and_unknown_unit_is_404(client_for, hr_shache, staff, org_tree):
    client = client_for(hr_shache)
    assert client.get(_url("compliance", year=YEAR, unit="KS-SF")).status_code == 403
    assert client.get(_url("compliance", year=YEAR, unit="KS")).status_code == 403
    assert client.get(_url("compliance", year=YEAR, unit="NOPE")).status_code == 404
    assert client.get(_url("compliance_export", year=YEAR, unit="KS-SF")).status_code == 403


def test_learner_cannot_open_compliance(client_for, learner):
    client = client_for(learner)
    assert client.get(_url("compliance")).status_code == 403
    assert client.get(_url("compliance_export")).status_code == 403
    assert client.get(_url("person_ledger", learner.pk)).status_code == 403


def test_drill_down_from_prefecture_to_person(client_for, admin_user, staff, org_tree):
    client = client_for(admin_user)
    top = client.get(_url("compliance", year=YEAR))
    labels = [r.label for r in top.context["rollup"].rows]
    assert labels[:2] == ["莎车县", "疏附县"]
    county = client.get(_url("compliance", year=YEAR, unit="KS-SC"))
    assert [r.label for r in county.context["rollup"].rows] == ["莎车县市场监督管理局"]
    dept = client.get(_url("compliance", year=YEAR, unit="KS-SC-SJ"))
    assert {p.full_name for p in dept.context["people"]} == {"达标者", "落后者"}
    person = client.get(_url("person_ledger", staff["ok"].pk, year=YEAR))
    assert person.status_code == 200
    assert [u.code for u in person.context["breadcrumbs"]] == ["KS", "KS-SC", "KS-SC-SJ"]
    assert person.context["summary"].total == Decimal("65")


def test_person_outside_scope_gets_403_on_ledger_and_adjust(client_for, hr_shache, staff):
    client = client_for(hr_shache)
    assert client.get(_url("person_ledger", staff["other"].pk)).status_code == 403
    response = client.post(_url("person_adjust", staff["other"].pk, year=YEAR), {"hours": "2"})
    assert response.status_code == 403
    assert client.get(_url("person_ledger", 999999)).status_code == 404


def test_filters_status_search_and_sort(client_for, hr_shache, staff):
    client = client_for(hr_shache)
    compliant = client.get(_url("compliance", year=YEAR, status="compliant"))
    assert [p.full_name for p in compliant.context["people"]] == ["达标者"]
    behind = client.get(_url("compliance", year=YEAR, status="not_compliant", sort="-hours"))
    assert [p.full_name for p in behind.context["people"]] == ["落后者", "王芳"]
    search = client.get(_url("compliance", year=YEAR, q="SC00", sort="hours"))
    assert [p.employee_no for p in search.context["people"]] == ["SC002", "SC001"]


def test_category_minimum_makes_person_non_compliant(client_for, hr_shache, staff):
    req = AnnualRequirement.objects.create(year=YEAR, staff_category="enforcement", required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=req, category_id="professional", min_hours=Decimal("30"))
    page = client_for(hr_shache).get(_url("compliance", year=YEAR, status="compliant"))
    assert list(page.context["people"]) == []


def test_export_is_scoped_filtered_audited_and_neutralised(client_for, hr_shache, staff):
    staff["behind"].full_name = '=HYPERLINK("http://evil")'
    staff["behind"].save()
    response = client_for(hr_shache).get(_url("compliance_export", year=YEAR, unit="KS-SC"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == ("工号", "姓名", "单位路径", "人员类别", "学时", "应修学时", "是否达标")
    by_no = {r[0]: r for r in rows[1:]}
    assert set(by_no) == {"SC001", "SC002", hr_shache.employee_no}
    assert by_no["SC001"][4] == 65 and by_no["SC001"][6] == "是"
    assert by_no["SC001"][8:11] == (40, 25, 0)
    assert by_no["SC002"][1] == '\'=HYPERLINK("http://evil")'
    assert by_no["SC002"][6] == "否"
    log = AuditLog.objects.get(action="learning.compliance_export")
    assert log.actor == hr_shache and log.details["rows"] == 3


def test_manual_adjustment_and_reversal_through_the_page(client_for, hr_shache, staff):
    client = client_for(hr_shache)
    person = staff["behind"]
    form = client.get(_url("person_ledger", person.pk, year=YEAR)).context["form"]
    data = {
        "hours": "6",
        "category": "legal",
        "earned_on": "2025-07-01",
        "source_ref": "自治区培训班",
        "reason": "",
        "request_key": form.initial["request_key"],
    }
    missing = client.post(_url("person_adjust", person.pk, year=YEAR), data)
    assert missing.status_code == 400 and "reason" in missing.context["form"].errors
    data["reason"] = "平台外培训"
    client.post(_url("person_adjust", person.pk, year=YEAR), data)
    client.post(_url("person_adjust", person.pk, year=YEAR), data)  # double submit
    page = client.get(_url("person_ledger", person.pk, year=YEAR))
    assert page.context["summary"].total == Decimal("16")
    entry = next(e for e in page.context["entries"] if e.source_kind == "manual")
    assert client.post(_url("person_reverse", person.pk, entry.pk), {"reason": ""}).status_code == 302
    assert client.get(_url("person_ledger", person.pk, year=YEAR)).context["summary"].total == Decimal("16")
    client.post(_url("person_reverse", person.pk, entry.pk), {"reason": "登记错误"})
    assert client.get(_url("person_ledger", person.pk, year=YEAR)).context["summary"].total == Decimal("10")
    assert AuditLog.objects.filter(action__in=["learning.manual_adjustment", "learning.ledger_reversal"]).count() == 2


def test_hr_cannot_adjust_own_hours(client_for, hr_shache, staff):
    page = client_for(hr_shache).get(_url("person_ledger", hr_shache.pk, year=YEAR))
    assert page.context["can_adjust"] is False
    assert "adjust-form" not in page.content.decode()


def test_my_hours_page_shows_total_pace_breakdown_and_entries(client_for, staff):
    page = client_for(staff["ok"]).get(_url("my_hours", year=YEAR))
    html = page.content.decode()
    summary = page.context["summary"]
    assert summary.total == Decimal("65") and summary.compliant
    assert [(c.code, h) for c, h, _m in summary.by_category] == [
        ("legal", Decimal("40")),
        ("professional", Decimal("25")),
        ("other", Decimal("0")),
    ]
    assert summary.by_source == [("course", "在线课程", Decimal("65"))]
    assert html.count("测试课程") == 2
    assert "已达标" in html


def _build_units(parent: OrgUnit, n_units: int, per_unit: int, start: int):
    for i in range(n_units):
        dept = OrgUnitFactory(
            name=f"部门{start + i}", code=f"D{start + i}", kind=OrgUnit.Kind.DEPARTMENT, parent=parent
        )
        parent.refresh_from_db()
        for j in range(per_unit):
            person = UserFactory(org_unit=dept)
            credit(person, hours=str(5 + (i * per_unit + j) % 60), earned_on=PAST)


def test_compliance_page_query_count_does_not_grow_with_staff(
    client_for, admin_user, org_tree, django_assert_max_num_queries
):
    client = client_for(admin_user)
    _build_units(org_tree["shache"], 2, 2, 0)
    with django_assert_max_num_queries(25) as small:
        client.get(_url("compliance", year=YEAR, unit="KS-SC"))
    _build_units(org_tree["shache"], 6, 12, 10)
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(_url("compliance", year=YEAR, unit="KS-SC"))
    assert response.context["rollup"].totals.headcount == 4 + 72
    assert len(large.captured_queries) == len(small.captured_queries)


def test_rollup_totals_match_people(org_tree, staff):
    rules = year_rules(YEAR)
    roll = rollup(None, org_tree["pref"], rules, row_units_for(None, org_tree["pref"]))
    assert roll.totals.headcount == 3 and roll.totals.compliant == 2
    assert roll.totals.total_hours == Decimal("136")


def test_hr_role_needed(hr_shache):
    assert hr_shache.has_role(Role.HR)


def _context_the_long_way(viewer, code):
    unit = resolve_unit(viewer, code)
    return unit, row_units_for(viewer, unit), breadcrumbs(viewer, unit)


def test_unit_context_matches_resolve_unit_row_units_and_breadcrumbs(org_tree, admin_user, hr_shache, learner):
    """The page's one-or-two-query look-up gives what the three separate selectors give, errors included."""
    OrgUnitFactory(name="莎车县林草局", code="KS-SC-LC", kind=OrgUnit.Kind.DEPARTMENT, parent=org_tree["shache"])
    two_counties = UserFactory(full_name="两县人事", org_unit=org_tree["pref"], roles=[Role.HR])
    two_counties.scope_units.add(org_tree["shache"], org_tree["shufu"])
    codes = ["", "KS", "KS-SC", "KS-SF", "KS-SC-SJ", "KS-SC-LC", "KS-SF-SJ", "NOPE"]
    for viewer in (admin_user, hr_shache, two_counties, learner):
        for code in codes:
            try:
                expected = _context_the_long_way(viewer, code)
            except (Http404, PermissionDenied) as exc:
                with pytest.raises(type(exc)):
                    unit_context(viewer, code)
                continue
            assert unit_context(viewer, code) == expected, (viewer.full_name, code)


def test_people_count_per_status_comes_from_the_rollup_and_matches_the_list(client_for, hr_shache, staff, monkeypatch):
    """Mid-year, so every status has people; the page prints the length of the filtered list, without a COUNT."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core import timeutil
    from learning.selectors.compliance import filtered_people

    monkeypatch.setattr(timeutil, "today", lambda: dt.date(YEAR, 7, 1))
    on_track = UserFactory(full_name="进度正常者", org_unit=hr_shache.org_unit)
    credit(on_track, hours="40", earned_on=PAST)
    client = client_for(hr_shache)
    rules = year_rules(YEAR)
    seen, queries = {}, set()
    for status in ("", "compliant", "not_compliant", "behind", "on_track"):
        with CaptureQueriesContext(connection) as captured:
            page = client.get(_url("compliance", year=YEAR, status=status))
        queries.add(len(captured.captured_queries))
        listed = filtered_people(hr_shache, page.context["unit"], rules, status=status)
        assert page.context["page"].paginator.count == listed.count() == len(page.context["people"])
        seen[status] = page.context["page"].paginator.count
    assert seen == {"": 4, "compliant": 1, "not_compliant": 3, "behind": 2, "on_track": 1}
    assert len(queries) == 1  # a status filter costs no query of its own


def test_histogram_bands_include_their_lower_bound(org_tree):
    dept = org_tree["shache_dept"]
    for hours in ("9.99", "10", "59.99", "60", "75"):
        credit(UserFactory(org_unit=dept), hours=hours, earned_on=PAST)
    UserFactory(org_unit=dept)  # no hours at all this year
    assert histogram(None, org_tree["pref"], year_rules(YEAR)) == [
        ("0–10", 2),
        ("10–20", 1),
        ("20–30", 0),
        ("30–40", 0),
        ("40–50", 0),
        ("50–60", 1),
        ("≥60", 2),
    ]


def test_a_closed_year_is_reported_as_frozen_at_the_close(client_for, hr_shache, admin_user, staff, org_tree):
    from django.core.management import call_command

    from learning.services.ledger import manual_adjustment

    call_command("close_year", str(YEAR), stdout=io.StringIO())
    # After the close: hours for the behind person (now 70 live), and the compliant one leaves.
    manual_adjustment(
        user=staff["behind"], hours=Decimal("60"), category="legal", reason="补录外单位培训", recorded_by=admin_user
    )
    staff["ok"].is_active = False
    staff["ok"].save()
    later = UserFactory(full_name="新入职", employee_no="SC003", org_unit=org_tree["shache_dept"])
    credit(later, hours="70", earned_on=PAST)

    client = client_for(hr_shache)
    page = client.get(_url("compliance", year=YEAR))
    html = page.content.decode()
    assert 'data-testid="year-closed"' in html and "关账时冻结的结果" in html
    stats = page.context["rollup"].totals
    assert (stats.headcount, stats.compliant, stats.behind) == (3, 1, 2)  # as at the close, not 3 live compliant
    people = {p.employee_no: p for p in page.context["people"]}
    assert set(people) == {"SC001", "SC002", hr_shache.employee_no}
    assert people["SC002"].hours == Decimal("10") and people["SC002"].status == "not_compliant"
    assert people["SC001"].status == "compliant"
    assert "未达标" in html
    listed = client.get(_url("compliance", year=YEAR, status="not_compliant")).context["people"]
    assert {p.employee_no for p in listed} == {"SC002", hr_shache.employee_no}

    sheet = load_workbook(io.BytesIO(client.get(_url("compliance_export", year=YEAR)).content)).active
    by_no = {r[0]: r for r in list(sheet.iter_rows(values_only=True))[1:]}
    assert set(by_no) == {"SC001", "SC002", hr_shache.employee_no}
    assert by_no["SC002"][4] == 10 and by_no["SC002"][6] == "否" and by_no["SC002"][7] == "未达标"
    assert by_no["SC001"][8:10] == (40, 25)

    out = io.StringIO()
    call_command("compliance_report", "--year", str(YEAR), "--unit", "KS-SC", "--format", "csv", stdout=out)
    report = out.getvalue()
    assert "SC003" not in report and "SC001" in report

    # A minimum added after the close changes nothing either: the frozen verdict stands.
    req = AnnualRequirement.objects.create(year=YEAR, staff_category="enforcement", required_hours=Decimal("60"))
    CategoryMinimum.objects.create(requirement=req, category_id="professional", min_hours=Decimal("30"))
    page = client.get(_url("compliance", year=YEAR, status="compliant"))
    assert [p.employee_no for p in page.context["people"]] == ["SC001"]

    # The next, still open year is live.
    live = client.get(_url("compliance", year=YEAR + 1))
    assert 'data-testid="year-closed"' not in live.content.decode()


def test_pages_of_the_people_list_keep_the_filters(client_for, hr_shache, staff, monkeypatch):
    import learning.views.compliance as views

    monkeypatch.setattr(views, "PAGE_SIZE", 1)
    html = client_for(hr_shache).get(_url("compliance", year=YEAR, sort="name")).content.decode()
    assert f'href="?year={YEAR}&amp;sort=name&amp;page=2"' in html and "第 1 / 3 页" in html
