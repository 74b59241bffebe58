"""Creating and changing study plans.

Administrators may target anyone. An HR officer may target only units and
people inside their scope (``accounts.scope``) and must name at least one of
them — a plan restricted only by category or position would reach the whole
prefecture. HR officers edit the plans they created; administrators edit all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.audit import record
from accounts.models import OrgUnit, Role, StaffCategory, User
from accounts.scope import can_view_person, can_view_unit
from plans.models import StudyPlan, StudyPlanItem


class PlanError(Exception):
    """A plan that cannot be saved; the message names what is wrong."""


def can_manage_plans(user: User) -> bool:
    return user.is_authenticated and (user.has_role(Role.ADMIN) or user.has_role(Role.HR))


def can_edit_plan(user: User, plan: StudyPlan) -> bool:
    if not can_manage_plans(user):
        return False
    return user.has_role(Role.ADMIN) or plan.created_by_id == user.pk


def _check_targets(actor: User, units: Sequence[OrgUnit], people: Sequence[User], restricted: bool) -> None:
    if not (units or people or restricted):
        raise PlanError(_("请至少指定一个学习对象（单位、人员类别、职务或指定人员）。"))
    if actor.has_role(Role.ADMIN):
        return
    if not (units or people):
        raise PlanError(_("人事/合规专员须选择管辖范围内的单位或指定人员。"))
    outside_units = [u.name for u in units if not can_view_unit(actor, u)]
    if outside_units:
        raise PlanError(_("单位不在您的管辖范围内：%(names)s") % {"names": "、".join(outside_units)})
    outside_people = [f"{p.full_name}（{p.employee_no}）" for p in people if not can_view_person(actor, p)]
    if outside_people:
        raise PlanError(_("人员不在您的管辖范围内：%(names)s") % {"names": "、".join(outside_people)})


def save_plan(
    *,
    actor: User,
    plan: StudyPlan | None = None,
    year: int,
    title: str,
    due_on: dt.date,
    note: str = "",
    courses: Sequence = (),
    exams: Sequence = (),
    units: Sequence[OrgUnit] = (),
    categories: Sequence[str] = (),
    positions: Sequence[str] = (),
    people: Sequence[User] = (),
) -> StudyPlan:
    """Create ``plan`` (or replace its contents) in one transaction."""
    if plan is None and not can_manage_plans(actor):
        raise PlanError(_("只有系统管理员或人事/合规专员可以制定学法清单。"))
    if plan is not None and not can_edit_plan(actor, plan):
        raise PlanError(_("您只能修改自己制定的学法清单。"))
    title = (title or "").strip()
    if not title:
        raise PlanError(_("请填写学法清单名称。"))
    if not courses and not exams:
        raise PlanError(_("请至少选择一门课程或一场考试。"))
    unpublished = [e.title for e in exams if not e.is_published]
    if unpublished:
        raise PlanError(_("考试尚未发布，不能列入学法清单：%(titles)s") % {"titles": "、".join(unpublished)})
    unknown = [c for c in categories if c not in StaffCategory.values]
    if unknown:
        raise PlanError(_("未知的人员类别：%(codes)s") % {"codes": "、".join(unknown)})
    _check_targets(actor, list(units), list(people), bool(categories or positions))
    created = plan is None
    with transaction.atomic():
        plan = plan or StudyPlan(created_by=actor)
        plan.year, plan.title, plan.due_on, plan.note = year, title, due_on, note or ""
        plan.target_categories = list(categories)
        plan.target_positions = list(positions)
        plan.save()
        plan.target_units.set(units)
        plan.target_people.set(people)
        _replace_items(plan, list(courses), list(exams))
        record(
            actor=actor,
            action="learning.study_plan_created" if created else "learning.study_plan_changed",
            summary=(_("制定学法清单：%(title)s") if created else _("修改学法清单：%(title)s")) % {"title": title},
            details={
                "plan": plan.pk,
                "courses": [c.pk for c in courses],
                "exams": [e.pk for e in exams],
                "people": len(people),
            },
        )
    return plan


def _replace_items(plan: StudyPlan, courses: Sequence, exams: Sequence) -> None:
    """Make the plan's items exactly ``courses`` then ``exams``, in that order, keeping unchanged rows."""
    Kind = StudyPlanItem.Kind
    wanted = [(Kind.COURSE, c.pk) for c in courses] + [(Kind.EXAM, e.pk) for e in exams]
    existing = {(item.kind, item.course_id or item.exam_id): item for item in plan.items.all()}
    stale = [item.pk for key, item in existing.items() if key not in set(wanted)]
    if stale:
        plan.items.filter(pk__in=stale).delete()
    new_items = []
    for position, (kind, target_id) in enumerate(wanted):
        item = existing.get((kind, target_id))
        if item is None:
            target = {"course_id": target_id} if kind == Kind.COURSE else {"exam_id": target_id}
            new_items.append(StudyPlanItem(plan=plan, kind=kind, position=position, **target))
        elif item.position != position:
            item.position = position
            item.save(update_fields=["position"])
    StudyPlanItem.objects.bulk_create(new_items)


def delete_plan(*, actor: User, plan: StudyPlan) -> None:
    if not can_edit_plan(actor, plan):
        raise PlanError(_("您只能删除自己制定的学法清单。"))
    with transaction.atomic():
        title, pk = plan.title, plan.pk
        plan.delete()
        record(
            actor=actor,
            action="learning.study_plan_deleted",
            summary=_("删除学法清单：%(title)s") % {"title": title},
            details={"plan": pk},
        )
