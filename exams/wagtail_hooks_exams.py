"""Exam authoring in the Wagtail admin (考试管理): the exam, its audience and its paper in one form.

Trainers and administrators may manage exams (``ExamPermissionPolicy``) whatever
Django model permissions their group carries, because the role *is* the permission
in this project (``accounts.models.Role``).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.models import ROLE_GROUP_NAMES, Role, StaffCategory
from exams.models import Exam, PaperRule
from exams.services.attempts import rule_candidates


class ExamPermissionPolicy(ModelPermissionPolicy):
    """Trainers and administrators manage exams; nobody else does."""

    def user_has_permission(self, user, action):
        return bool(user.is_active and (user.has_role(Role.TRAINER) or user.has_role(Role.ADMIN)))

    def user_has_any_permission(self, user, actions):
        return self.user_has_permission(user, None)


def _staff_graders():
    names = [ROLE_GROUP_NAMES[Role.TRAINER], ROLE_GROUP_NAMES[Role.ADMIN]]
    return get_user_model().objects.filter(Q(groups__name__in=names) | Q(is_superuser=True), is_active=True).distinct()


register_permission_policy(Exam, ExamPermissionPolicy(Exam), exact_class=True)


class ExamAdminForm(WagtailAdminModelForm):
    audience_staff_categories = forms.MultipleChoiceField(
        label=_lazy("参考人员类别"),
        choices=StaffCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_lazy("不选表示不限人员类别。"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "graders" in self.fields:
            self.fields["graders"].queryset = _staff_graders()
        if "makeup_for" in self.fields and self.instance.pk:
            self.fields["makeup_for"].queryset = Exam.objects.exclude(pk=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("is_annual_law_exam") and not cleaned.get("year"):
            self.add_error("year", _("年度学法考试必须填写年度。"))
        if cleaned.get("is_published"):
            self._check_paper(cleaned.get("paper_mode"))
        return cleaned

    def _live_forms(self, name):
        formset = self.formsets.get(name)
        if formset is None or not formset.is_valid():
            return []
        return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

    def _check_paper(self, mode) -> None:
        """A published exam must have a paper every learner can be given."""
        if mode == Exam.PaperMode.FIXED:
            if not self._live_forms("paper_questions"):
                self.add_error("paper_mode", _("固定试卷至少需要一道题目，才能发布。"))
            return
        rules = self._live_forms("paper_rules")
        if not rules:
            self.add_error("paper_mode", _("按规则抽题至少需要一条抽题规则，才能发布。"))
            return
        for number, form in enumerate(rules, start=1):
            data = form.cleaned_data
            if not data.get("category") or not data.get("question_type") or not data.get("count"):
                continue
            rule = PaperRule(
                category=data["category"],
                include_subcategories=data.get("include_subcategories", True),
                question_type=data["question_type"],
                count=data["count"],
                points_each=data.get("points_each") or 0,
            )
            have = len(rule_candidates(rule))
            if have < rule.count:
                self.add_error(
                    "paper_mode",
                    _("第 %(n)s 条抽题规则需要 %(need)s 道题，题库中只有 %(have)s 道。")
                    % {"n": number, "need": rule.count, "have": have},
                )

    def save(self, commit=True):
        if self.instance.pk is None and self.instance.created_by_id is None and self.for_user:
            self.instance.created_by = self.for_user
        return super().save(commit=commit)


class ExamViewSet(ModelViewSet):
    model = Exam
    icon = "doc-full-inverse"
    menu_label = _lazy("考试管理")
    menu_order = 310
    add_to_admin_menu = True
    name = "exams_exams"  # not "exams": that is the site's URL namespace
    url_prefix = "exams"
    list_display = ["title", "opens_at", "closes_at", "paper_mode", "is_published"]
    list_filter = ["is_published", "paper_mode", "is_annual_law_exam"]
    search_fields = ["title"]
    ordering = ["-opens_at"]
    form_fields = None
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    FieldPanel("title"),
                    FieldPanel("description"),
                    FieldRowPanel([FieldPanel("opens_at"), FieldPanel("closes_at"), FieldPanel("duration_minutes")]),
                    FieldRowPanel(
                        [FieldPanel("attempts_allowed"), FieldPanel("counted_attempt"), FieldPanel("pass_percent")]
                    ),
                    FieldPanel("partial_credit"),
                    FieldRowPanel([FieldPanel("is_annual_law_exam"), FieldPanel("year")]),
                    FieldPanel("is_published"),
                ],
                heading=_lazy("基本设置"),
            ),
            ObjectList(
                [
                    FieldPanel("audience_units"),
                    FieldPanel("audience_staff_categories"),
                    FieldPanel("audience_users"),
                    FieldPanel("makeup_for"),
                ],
                heading=_lazy("参考人员"),
            ),
            ObjectList(
                [
                    FieldRowPanel(
                        [FieldPanel("paper_mode"), FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_questions", label=_lazy("试卷题目"))],
                        heading=_lazy("固定试卷"),
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_rules", label=_lazy("抽题规则"))],
                        heading=_lazy("按规则随机抽题"),
                    ),
                ],
                heading=_lazy("试卷"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("credit_hours"), FieldPanel("credit_category")]),
                    FieldRowPanel([FieldPanel("review_policy"), FieldPanel("review_from")]),
                    FieldPanel("graders"),
                ],
                heading=_lazy("学时、查看与阅卷"),
            ),
        ],
        base_form_class=ExamAdminForm,
    )


@hooks.register("register_admin_viewset")
def register_exam_viewset():
    return ExamViewSet()
