"""Study-plan pages: "我的学法清单" for everyone, the plan editor and completion report for HR/admins."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.permissions import require_roles
from core import timeutil
from learning.views.common import year_param
from plans.forms import StudyPlanForm
from plans.models import StudyPlan
from plans.selectors.plans import my_plans, plan_report, plans_overview
from plans.services.plans import PlanError, can_edit_plan, delete_plan, save_plan


@login_required
def my_plan_list(request):
    year = year_param(request)
    this_year = timeutil.current_year()
    return render(
        request,
        "plans/my_plans.html",
        {
            "year": year,
            "years": [this_year + 1, this_year, this_year - 1],
            "plans": my_plans(request.user, year),
            "today": timeutil.today(),
        },
    )


def plan_list(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    year = year_param(request)
    plans = list(plans_overview(year))
    for plan in plans:
        plan.editable = can_edit_plan(request.user, plan)
    this_year = timeutil.current_year()
    return render(
        request,
        "plans/plan_list.html",
        {"year": year, "years": [this_year + 1, this_year, this_year - 1], "plans": plans},
    )


def _initial(plan: StudyPlan) -> dict:
    return {
        "year": plan.year,
        "title": plan.title,
        "due_on": plan.due_on,
        "note": plan.note,
        "courses": [i.course_id for i in plan.items.all() if i.course_id],
        "exams": [i.exam_id for i in plan.items.all() if i.exam_id],
        "target_units": list(plan.target_units.all()),
        "target_categories": plan.target_categories,
        "target_positions": "\n".join(plan.target_positions),
        "target_people": "\n".join(plan.target_people.values_list("employee_no", flat=True)),
    }


def _edit(request, plan: StudyPlan | None):
    form = StudyPlanForm(request.POST or None, viewer=request.user, initial=_initial(plan) if plan else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = save_plan(
                actor=request.user,
                plan=plan,
                year=data["year"],
                title=data["title"],
                due_on=data["due_on"],
                note=data["note"],
                courses=list(data["courses"]),
                exams=list(data["exams"]),
                units=list(data["target_units"]),
                categories=data["target_categories"],
                positions=data["target_positions"],
                people=data["target_people"],
            )
        except PlanError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("学法清单“%(title)s”已保存。") % {"title": saved.title})
            return redirect("plans:plan_report", pk=saved.pk)
    return render(request, "plans/plan_form.html", {"form": form, "plan": plan})


def plan_create(request):
    require_roles(request.user, Role.HR, Role.ADMIN)
    return _edit(request, None)


def plan_edit(request, pk: int):
    plan = get_object_or_404(StudyPlan, pk=pk)
    if not can_edit_plan(request.user, plan):
        raise PermissionDenied
    return _edit(request, plan)


@require_POST
def plan_delete(request, pk: int):
    plan = get_object_or_404(StudyPlan, pk=pk)
    try:
        delete_plan(actor=request.user, plan=plan)
    except PlanError as exc:
        messages.error(request, str(exc))
        return redirect("plans:plan_report", pk=pk)
    messages.success(request, _("学法清单已删除。"))
    return redirect("plans:plan_list")


def plan_report_view(request, pk: int):
    require_roles(request.user, Role.HR, Role.ADMIN)
    plan = get_object_or_404(StudyPlan.objects.prefetch_related("items__course", "items__exam"), pk=pk)
    return render(
        request,
        "plans/plan_report.html",
        {"report": plan_report(request.user, plan), "plan": plan, "editable": can_edit_plan(request.user, plan)},
    )
