"""HR compliance pages: the year's figures for a unit, drill-down, export and one person's ledger.

Every page asks ``accounts.scope`` first: an officer sees their own subtree
(403 for a unit or person outside it, 404 for one that does not exist).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.audit import record
from accounts.models import Role, User
from accounts.permissions import require_roles
from accounts.scope import ensure_can_view_person
from jobs.exports import XLSX_TYPE, export_in_background, export_job_rows
from learning.compliance_export import AUDIT_ACTION as EXPORT_AUDIT_ACTION
from learning.compliance_export import (
    compliance_workbook,
    export_audit,
    export_filename,
    export_size,
    start_compliance_export,
)
from learning.forms_ledger import ComplianceFilterForm, ManualAdjustmentForm, ReversalForm
from learning.models import LedgerEntry
from learning.selectors import compliance as sel
from learning.selectors.ledger import categories, entries_for, hours_summary
from learning.services.ledger import LedgerError, manual_adjustment, reverse_entry
from learning.templatetags.hours import format_hours
from learning.views.common import filter_query, year_param

PAGE_SIZE = 50
# The columns the people table prints (plus the annotations of ``annotate_people``); nothing else is loaded.
PEOPLE_FIELDS = ("full_name", "employee_no", "staff_category", "org_unit__name")


def _filters(params: dict) -> dict:
    return {
        "status": params["status"],
        "staff_category": params["staff_category"],
        "search": params["q"],
        "sort": params["sort"],
    }


def _status_counts(totals: sel.UnitRow) -> dict[str, int]:
    """How many people each status filter lists, from the roll-up's totals."""
    not_compliant = totals.headcount - totals.compliant
    return {
        "": totals.headcount,
        "compliant": totals.compliant,
        "not_compliant": not_compliant,
        "behind": totals.behind,
        "on_track": not_compliant - totals.behind,
    }


def _ledger_links(year: int):
    """``pk -> URL of the person's ledger for the year``, reversing the route once instead of once per row."""
    marker = 2_147_483_647
    prefix, suffix = reverse("learning:person_ledger", args=[marker]).rsplit(str(marker), 1)
    return lambda pk: f"{prefix}{pk}{suffix}?year={year}"


def _number_formatter():
    """What ``{{ number }}`` shows (localized), with the active language's formats looked up once."""
    lang = get_language()
    separator, grouping, thousands = (
        get_format(name, lang) for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
    )
    return lambda value: numberformat.format(value, separator, None, grouping, thousands)


def _unit_rows(roll: sel.Rollup, year: int) -> list[dict]:
    """The rows of the unit table, with their drill-down links and figures ready to print."""
    base = f"{reverse('learning:compliance')}?year={year}&unit="
    number = _number_formatter()
    return [
        {
            "label": row.label,
            "url": base + row.unit.code if row.unit and not row.is_self else "",
            "share": number(row.share),
            "headcount": number(row.headcount),
            "compliant": number(row.compliant),
            "average": format_hours(row.average),
            "behind": number(row.behind),
            "warn": bool(row.behind),
        }
        for row in roll.rows
    ]


def _people_rows(people: list[User], cats, by_cat: dict, year: int) -> list[dict]:
    """The rows of the people table: link, figures and status badge of each person, ready to print."""
    link = _ledger_links(year)
    badges = {
        "compliant": ("badge badge-ok", _("已达标")),
        "behind": ("badge badge-warn", _("进度落后")),
        "on_track": ("badge", _("进度正常")),
        "not_compliant": ("badge badge-bad", _("未达标")),
    }
    codes = [c.code for c in cats]
    rows = []
    for person in people:
        mine = by_cat.get(person.pk, {})
        badge_class, badge = badges.get(person.status, badges["on_track"])
        rows.append(
            {
                "url": link(person.pk),
                "name": person.full_name,
                "hours": format_hours(person.hours),
                "required": format_hours(person.required),
                "badge_class": badge_class,
                "badge": badge,
                "employee_no": person.employee_no,
                "unit": person.org_unit.name,
                "categories": [format_hours(mine.get(code, sel.ZERO)) for code in codes],
            }
        )
    return rows


def compliance(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    form = ComplianceFilterForm(request.GET or None)
    params = form.values()
    viewer = request.user
    unit, row_units, crumbs = sel.unit_context(viewer, params["unit"])
    rules = sel.report_rules(params["year"])
    roll, bands = sel.overview(viewer, unit, rules, row_units)
    filters = _filters(params)
    listed = sel.filtered_people(viewer, unit, rules, **filters).only(*PEOPLE_FIELDS)
    paginator = Paginator(listed, PAGE_SIZE)
    counts = _status_counts(roll.totals)
    if not (filters["staff_category"] or filters["search"]) and filters["status"] in counts:
        # The roll-up already counted the same people, by status too: no COUNT query needed.
        paginator.count = counts[filters["status"]]
    page = paginator.get_page(request.GET.get("page"))
    people = sel.with_status(page.object_list, rules)
    by_cat = sel.category_hours([p.pk for p in people], rules.year, frozen=rules.frozen)
    cats = categories()
    base = {**params, "unit": unit.code if unit else params["unit"]}
    charted = [r for r in roll.rows if r.headcount]
    return render(
        request,
        "learning/compliance.html",
        {
            "form": form,
            "params": base,
            "unit": unit,
            "rules": rules,
            "breadcrumbs": crumbs,
            "rollup": roll,
            "unit_rows": _unit_rows(roll, params["year"]),
            "histogram": bands,
            "page": page,
            "people": people,
            "people_rows": _people_rows(people, cats, by_cat, params["year"]),
            "categories": cats,
            "export_query": filter_query(base),
            "export_in_job": export_in_background(paginator.count),
            "chart_units": {
                "height": 60 + 26 * len(charted),
                "labels": [r.label for r in charted],
                "share": [float(r.share) for r in charted],
                "average": [float(r.average) for r in charted],
                "series": _("达标率 %"),
                # "%(share)s" and "%(average)s" are filled in by the chart's tooltip.
                "tooltip": _("达标率 %(share)s%%，人均 %(average)s 学时"),
            },
            "chart_histogram": {
                "labels": [b for b, _n in bands],
                "counts": [n for _b, n in bands],
                "series": _("人数"),
                "axis": _("学时"),
            },
        },
    )


@require_http_methods(["GET", "POST"])
def compliance_export(request):
    """The people the page lists, as Excel: written now when few, else by a job (started by a POST)."""
    require_roles(request.user, Role.HR, Role.ADMIN)
    params = ComplianceFilterForm(request.GET or None).values()
    viewer = request.user
    unit = sel.resolve_unit(viewer, params["unit"])
    rules = sel.report_rules(params["year"])
    filters = _filters(params)
    rows = export_size(viewer, unit, rules, filters)
    if export_in_background(rows):
        if request.method != "POST":
            return render(
                request,
                "accounts/export_confirm.html",
                {
                    "rows": rows,
                    "limit": export_job_rows(),
                    "action": request.get_full_path(),
                    "back_url": f"{reverse('learning:compliance')}?{request.GET.urlencode()}",
                    "back_label": _("学时达标统计"),
                },
            )
        job = start_compliance_export(viewer=viewer, unit=unit, rules=rules, filters=filters, rows=rows)
        return redirect("jobs:detail", pk=job.pk)
    content, written = compliance_workbook(viewer, unit, rules, filters)
    summary, details = export_audit(unit=unit, year=rules.year, filters=filters, rows=written)
    record(actor=viewer, action=EXPORT_AUDIT_ACTION, summary=summary, details=details)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{export_filename(rules.year, unit)}"'
    return response


def _person_for(request, user_id: int) -> User:
    require_roles(request.user, Role.HR, Role.ADMIN)
    person = get_object_or_404(User.objects.select_related("org_unit"), pk=user_id)
    ensure_can_view_person(request.user, person)
    return person


def person_ledger(request, user_id: int, adjustment_form=None):
    person = _person_for(request, user_id)
    year = year_param(request)
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
    year = year_param(request)
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
