"""HR pages of the credential review: who is at risk before year-end, the roster after it,
its exports, and one credential's history.

Every page asks ``accounts.scope`` first (through ``learning.selectors.compliance``'s
``resolve_unit``/``people_in`` and ``filter_people``): 403 for a unit or person outside the
viewer's subtree, 404 for one that does not exist.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Credential, Role
from accounts.permissions import require_roles
from accounts.scope import ensure_can_view_person, top_units
from core import timeutil
from learning.selectors import compliance as sel
from learning.views.common import filter_query
from review.export import start_roster_export
from review.forms import RiskFilterForm, RosterFilterForm
from review.models import AnnualReviewOutcome
from review.selectors import review as rsel
from review.services.nudges import (
    NudgeError,
    last_press,
    next_press_at,
    nudge_at_risk,
    officer_minutes,
    person_days,
)
from review.services.review import ReviewError, run_annual_review

PAGE_SIZE = 50


#: A page number past any list (the last page is shown instead), small enough for the statement's OFFSET.
_PAGE_CAP = 10**6


def _page_number(value) -> int:
    """The page asked for (``?page=``): 1 unless a positive number, at most ``_PAGE_CAP``."""
    try:
        return min(max(int(value), 1), _PAGE_CAP)
    except (TypeError, ValueError, OverflowError):
        return 1


def review_risk(request):
    """Before year-end: credential holders who may not pass this year's review."""
    require_roles(request.user, Role.HR, Role.ADMIN)
    viewer = request.user
    form = RiskFilterForm(request.GET or None)
    params = form.values()
    unit = sel.resolve_unit(viewer, params["unit"])
    year = timeutil.current_year()
    rules = sel.year_rules(year)
    rule = rsel.review_rule(year)
    risk = rsel.at_risk_people(viewer, unit, rules, rule, risk=params["risk"], search=params["q"])
    # The counts and the page's people in one statement; past the last page, the last page (one more).
    number = _page_number(request.GET.get("page"))
    risk.load(number, PAGE_SIZE)
    page = Paginator(range(risk.count()), PAGE_SIZE).get_page(number)
    if page.number != number:
        risk.load(page.number, PAGE_SIZE)
    totals, unit_rows = rsel.risk_counts(viewer, unit, risk)
    people = rsel.risk_page_people(risk)
    names = rsel.category_names()
    for person in people:
        person.risk_reasons = rsel.risk_reasons(person, rules, risk, names)
    base = {**params, "unit": unit.code if unit else params["unit"]}
    press = last_press(viewer)
    return render(
        request,
        "review/risk.html",
        {
            "nudge_days": person_days(),
            "nudge_minutes": officer_minutes(),
            "nudge_next_at": next_press_at(press) if press else None,
            "nudge_last_at": press.at if press else None,
            "form": form,
            "params": base,
            "unit": unit,
            "year": year,
            "rule": rule,
            "pace": rules.pace_for("enforcement"),
            "breadcrumbs": sel.breadcrumbs(viewer, unit),
            "totals": totals,
            "breakdown": risk.breakdown(),
            "unit_rows": [r for r in unit_rows if r.holders],
            "page": page,
            "people": people,
        },
    )


@require_POST
def review_risk_remind(request):
    """一键提醒: remind everyone the at-risk list shows with the page's filters (a job for a long list)."""
    require_roles(request.user, Role.HR, Role.ADMIN)
    viewer = request.user
    params = RiskFilterForm(request.POST).values()
    unit = sel.resolve_unit(viewer, params["unit"])
    back = f"{reverse('review:review_risk')}?{filter_query(params)}"
    try:
        result = nudge_at_risk(officer=viewer, unit=unit, params=params)
    except NudgeError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    if result.job is not None:
        return redirect("jobs:detail", pk=result.job.pk)
    text = _("已向 %(n)s 人发送年审提醒。") % {"n": result.sent}
    if result.skipped:
        text += _("另有 %(k)s 人在 %(days)s 天内已提醒过，本次未重复提醒。") % {
            "k": result.skipped,
            "days": person_days(),
        }
    messages.success(request, text)
    return redirect(back)


def _roster_context(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    viewer = request.user
    form = RosterFilterForm(request.GET or None)
    params = form.values()
    unit = sel.resolve_unit(viewer, params["unit"])
    return viewer, form, params, unit


def review_roster(request):
    """After year-end: every reviewed credential's outcome, counts by unit, exports."""
    viewer, form, params, unit = _roster_context(request)
    year = params["year"]
    outcomes = rsel.roster(viewer, unit, year, result=params["result"], search=params["q"])
    totals, unit_rows = rsel.roster_counts(viewer, unit, year)
    page = Paginator(outcomes, PAGE_SIZE).get_page(request.GET.get("page"))
    base = {**params, "unit": unit.code if unit else params["unit"]}
    return render(
        request,
        "review/roster.html",
        {
            "form": form,
            "params": base,
            "unit": unit,
            "year": year,
            "rule": rsel.review_rule(year),
            "year_ended": year < timeutil.current_year(),
            "breadcrumbs": sel.breadcrumbs(viewer, unit),
            "totals": totals,
            "unit_rows": [r for r in unit_rows if r.reviewed],
            "page": page,
            "export_query": filter_query(base),
        },
    )


def _export(request, fmt: str):
    """Start building the roster file as a job (POST) and show its progress page; a GET goes back to the roster."""
    viewer, _form, params, unit = _roster_context(request)
    if request.method != "POST":
        return redirect(f"{reverse('review:review_roster')}?{filter_query(params)}")
    job = start_roster_export(viewer=viewer, unit=unit, params=params, fmt=fmt)
    return redirect("jobs:detail", pk=job.pk)


def roster_export_xlsx(request):
    return _export(request, "xlsx")


def roster_export_pdf(request):
    return _export(request, "pdf")


@require_POST
def review_run(request):
    """Run (or re-run) the year's review for the unit shown, or for each unit of the viewer's scope."""
    viewer, _form, params, unit = _roster_context(request)
    year = params["year"]
    units = [unit] if unit is not None else ([None] if viewer.has_role(Role.ADMIN) else list(top_units(viewer)))
    back = f"{reverse('review:review_roster')}?{filter_query(params)}"
    try:
        runs = [run_annual_review(year=year, unit=u, actor=viewer) for u in units]
    except ReviewError as exc:
        messages.error(request, str(exc))
        return redirect(back)
    reviewed = sum(r.reviewed for r in runs)
    if not any(r.changed for r in runs):
        messages.info(request, _("已复核 %(n)s 张执法证，结果没有变化。") % {"n": reviewed})
    else:
        messages.success(
            request,
            _("已复核 %(n)s 张执法证：通过 %(ok)s，未通过 %(bad)s；转为待审核 %(p)s，恢复有效 %(c)s。")
            % {
                "n": reviewed,
                "ok": sum(r.passed for r in runs),
                "bad": sum(r.failed for r in runs),
                "p": sum(r.to_pending for r in runs),
                "c": sum(r.cleared for r in runs),
            },
        )
    return redirect(back)


def review_credential(request, pk: int):
    """One credential: its outcomes by year and every status change (who, when, why)."""
    require_roles(request.user, Role.HR, Role.ADMIN)
    credential = get_object_or_404(Credential.objects.select_related("holder__org_unit"), pk=pk)
    ensure_can_view_person(request.user, credential.holder)
    return render(
        request,
        "review/credential.html",
        {
            "credential": credential,
            "outcomes": AnnualReviewOutcome.objects.filter(credential=credential)
            .select_related("cleared_by", "reviewed_by")
            .order_by("-year"),
            "events": credential.events.select_related("actor").order_by("-at", "-pk"),
            "names": rsel.category_names(),
        },
    )
