"""Study plans (学法清单): required courses for a year, for a group of officials.

Who a plan is for: a person matches when they are named in ``target_people``, or
when they match *every* restriction that is set among ``target_units`` (the unit
or anywhere below it), ``target_categories`` and ``target_positions`` — e.g. units
莎车县 + category 领导干部 means the leading cadres of 莎车县. The one place this
rule is turned into queries is ``plans.selectors.plans``.

An item is a course or an exam: it has a ``kind`` and one foreign key per kind
(the database checks that the key of its kind is set and the other is not).
Each kind measures progress through ``plans.selectors.plans.ITEM_PROGRESS``.
An exam in a plan admits everyone the plan is for, whatever the exam's own
audience (``exams.selectors.exams.in_audience``).

Both models came from the learning app with their tables and rows (``db_table`` keeps
the ``learning_`` names, and so the audience's many-to-many tables keep theirs; see
``plans/migrations/0001_initial.py``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import StaffCategory
from cms.fields import ChoiceListField

__all__ = ["StudyPlan", "StudyPlanItem"]


class StudyPlan(models.Model):
    year = models.PositiveSmallIntegerField(_("年度"), db_index=True)
    title = models.CharField(_("名称"), max_length=200)
    due_on = models.DateField(_("完成期限"))
    note = models.TextField(_("说明"), blank=True)
    target_units = models.ManyToManyField(
        "accounts.OrgUnit", verbose_name=_("对象单位"), blank=True, related_name="study_plans"
    )
    target_categories = ChoiceListField(_("对象人员类别"), item_choices=StaffCategory.choices)
    target_positions = models.JSONField(_("对象职务"), default=list, blank=True)
    target_people = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("指定人员"), blank=True, related_name="named_study_plans"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        db_table = "learning_studyplan"
        verbose_name = _("学法清单")
        verbose_name_plural = _("学法清单")
        ordering = ["-year", "due_on", "pk"]

    def __str__(self) -> str:
        return f"{self.year} {self.title}"


class StudyPlanItem(models.Model):
    class Kind(models.TextChoices):
        COURSE = "course", _("课程")
        EXAM = "exam", _("考试")

    plan = models.ForeignKey(StudyPlan, verbose_name=_("学法清单"), on_delete=models.CASCADE, related_name="items")
    kind = models.CharField(_("类型"), max_length=16, choices=Kind.choices, default=Kind.COURSE)
    course = models.ForeignKey(
        "cms.CoursePage",
        verbose_name=_("课程"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    exam = models.ForeignKey(
        "exams.Exam",
        verbose_name=_("考试"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    position = models.PositiveSmallIntegerField(_("顺序"), default=0)

    class Meta:
        db_table = "learning_studyplanitem"
        verbose_name = _("清单项目")
        verbose_name_plural = _("清单项目")
        ordering = ["plan", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "course"], condition=Q(course__isnull=False), name="learning_planitem_unique_course"
            ),
            models.UniqueConstraint(
                fields=["plan", "exam"], condition=Q(exam__isnull=False), name="learning_planitem_unique_exam"
            ),
            models.CheckConstraint(
                condition=~Q(kind="course") | Q(course__isnull=False), name="learning_planitem_course_set"
            ),
            models.CheckConstraint(
                condition=(Q(kind="course") & Q(exam__isnull=True))
                | (Q(kind="exam") & Q(exam__isnull=False) & Q(course__isnull=True)),
                name="learning_planitem_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan_id} · {self.kind} · {self.course_id or self.exam_id}"
