"""HR compliance pages: the year's figures for a unit, drill-down, export and one person's ledger.

Every page asks ``accounts.scope`` first: an officer sees their own subtree
(403 for a unit or person outside it, 404 for one that does not exist).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.audit import record
from accounts.models import Role, User
from accounts.permissions import require_roles
from accounts.scope import ensure_can_view_person
from accounts.xlsx import write_workbook
from learning.forms_ledger import ComplianceFilterForm, ManualAdjustmentForm, ReversalForm
from learning.models import LedgerEntry
from learning.selectors import compliance as sel
from learning.selectors.ledger import categories, entries_for, hours_summary
from learning.services.ledger import LedgerError, manual_adjustment, reverse_entry
from learning.views.hours import _year_param

PAGE_SIZE = 50


def _filters(params: dict) -> dict:
    return {
        "status": params["status"],
        "staff_category": params["staff_category"],
        "search": params["q"],
        "sort": params["sort"],
    }


def _query(params: dict, **overrides) -> str:
    merged = {**params, **overrides}
    return urlencode({k: v for k, v in merged.items() if v not in ("", None)})


def compliance(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    form = ComplianceFilterForm(request.GET or None)
    params = form.values()
    viewer = request.user
    unit = sel.resolve_unit(viewer, params["unit"])
    rules = sel.year_rules(params["year"])
    row_units = sel.row_units_for(viewer, unit)
    roll, bands = sel.overview(viewer, unit, rules, row_units)
    filters = _filters(params)
    paginator = Paginator(sel.filtered_people(viewer, unit, rules, **filters), PAGE_SIZE)
    if not (filters["status"] or filters["staff_category"] or filters["search"]):
        paginator.count = roll.totals.headcount  # the roll-up already counted the same people
    page = paginator.get_page(request.GET.get("page"))
    people = sel.with_status(page.object_list, rules)
    by_cat = sel.category_hours([p.pk for p in people], rules.year)
    cats = categories()
    for person in people:
        mine = by_cat.get(person.pk, {})
        person.category_hours = [mine.get(c.code, sel.ZERO) for c in cats]
    base = {**params, "unit": unit.code if unit else params["unit"]}
    return render(
        request,
        "learning/compliance.html",
        {
            "form": form,
            "params": base,
            "unit": unit,
            "rules": rules,
            "breadcrumbs": sel.breadcrumbs(viewer, unit),
            "rollup": roll,
            "histogram": bands,
            "page": page,
            "people": people,
            "categories": cats,
            "query_without_page": _query(base),
            "export_query": _query(base),
            "chart_units": {
                "height": 60 + 26 * sum(1 for r in roll.rows if r.headcount),
                "labels": [r.label for r in roll.rows if r.headcount],
                "share": [float(r.share) for r in roll.rows if r.headcount],
                "average": [float(r.average) for r in roll.rows if r.headcount],
            },
            "chart_histogram": {"labels": [b for b, _n in bands], "counts": [n for _b, n in bands]},
        },
    )


def compliance_export(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    params = ComplianceFilterForm(request.GET or None).values()
    viewer = request.user
    unit = sel.resolve_unit(viewer, params["unit"])
    rules = sel.year_rules(params["year"])
    headers, rows = sel.export_table(viewer, unit, rules, **_filters(params))
    materialised = list(rows)
    content = write_workbook(headers, materialised, title=_("%(year)s年学时") % {"year": rules.year})
    scope_label = unit.full_path if unit else _("全部管辖范围")
    record(
        actor=viewer,
        action="learning.compliance_export",
        summary=_("导出 %(year)s 年学时达标名单：%(scope)s，%(n)s 人")
        % {"year": rules.year, "scope": scope_label, "n": len(materialised)},
        details={
            "year": rules.year,
            "unit": unit.code if unit else "",
            "filters": _filters(params),
            "rows": len(materialised),
        },
    )
    filename = f"compliance-{rules.year}-{unit.code if unit else 'all'}.xlsx"
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _person_for(request, user_id: int) -> User:
    require_roles(request.user, Role.HR, Role.ADMIN)
    person = get_object_or_404(User.objects.select_related("org_unit"), pk=user_id)
    ensure_can_view_person(request.user, person)
    return person


def person_ledger(request, user_id: int, adjustment_form=None):
    person = _person_for(request, user_id)
    year = _year_param(request)
    viewer = request.user
    can_adjust = viewer.pk != person.pk or viewer.has_role(Role.ADMIN)
    return render(
        request,
        "learning/person_ledger.html",
        {
            "person": person,
            "year": year,
            "years": [y for y, _label in ComplianceFilterForm().fields["year"].choices],
            "summary": hours_summary(person, year),
            "entries": entries_for(person, year),
            "breadcrumbs": sel.breadcrumbs(viewer, person.org_unit) if person.org_unit_id else [],
            "can_adjust": can_adjust,
            "form": adjustment_form or ManualAdjustmentForm(year=year),
        },
        status=400 if adjustment_form is not None else 200,
    )


def _back(person: User, year: int) -> str:
    return f"{reverse('learning:person_ledger', args=[person.pk])}?year={year}"


@require_POST
def person_adjust(request, user_id: int):
    person = _person_for(request, user_id)
    year = _year_param(request)
    form = ManualAdjustmentForm(request.POST, year=year)
    if not form.is_valid():
        return person_ledger(request, user_id, adjustment_form=form)
    data = form.cleaned_data
    try:
        result = manual_adjustment(
            user=person,
            hours=data["hours"],
            category=data["category"],
            reason=data["reason"],
            recorded_by=request.user,
            earned_on=data["earned_on"],
            source_ref=data["source_ref"],
            request_key=data["request_key"],
        )
    except LedgerError as exc:
        form.add_error(None, str(exc))
        return person_ledger(request, user_id, adjustment_form=form)
    if result.created:
        messages.success(
            request, _("已为 %(name)s 增加 %(hours)s 学时。") % {"name": person.full_name, "hours": result.entry.hours}
        )
    else:
        messages.info(request, _("这次调整已经登记过，未重复记入。"))
    return redirect(_back(person, year))


@require_POST
def person_reverse(request, user_id: int, entry_id: int):
    person = _person_for(request, user_id)
    entry = get_object_or_404(LedgerEntry.objects.select_related("user"), pk=entry_id, user=person)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请填写冲销原因。"))
        return redirect(_back(person, entry.year))
    try:
        reverse_entry(entry=entry, reason=form.cleaned_data["reason"], recorded_by=request.user)
    except LedgerError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("已冲销：%(ref)s") % {"ref": entry.source_ref})
    return redirect(_back(person, entry.year))
