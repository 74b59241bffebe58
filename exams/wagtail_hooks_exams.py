"""Exam authoring in the Wagtail admin (考试管理): the exam, its audience and its paper in one form.

Trainers and administrators may manage exams (``ExamPermissionPolicy``) whatever
Django model permissions their group carries, because the role *is* the permission
in this project (``accounts.models.Role``).
"""

from __future__ import annotations

from collections import defaultdict

from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.db import router
from django.db.models import Q
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList, TabbedInterface
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.permission_policies.base import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy

from accounts.models import ROLE_GROUP_NAMES, Role, StaffCategory
from exams.models import Exam, PaperRule, QuestionType
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
        label=gettext_lazy("参考人员类别"),
        choices=StaffCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("不选表示不限人员类别。"),
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
            if not cleaned.get("graders") and self._may_hold_short_answers(cleaned.get("paper_mode")):
                self.add_error(
                    "graders",
                    _("试卷可能含简答题，须至少指定一名阅卷人才能发布；否则简答题答卷会一直停在“待阅卷”。"),
                )
        return cleaned

    def _live_forms(self, name):
        formset = self.formsets.get(name)
        if formset is None or not formset.is_valid():
            return []
        return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]

    def _may_hold_short_answers(self, mode) -> bool:
        """Short answers are graded by a person, so a paper that can hold one needs a grader."""
        if mode == Exam.PaperMode.FIXED:
            questions = (form.cleaned_data.get("question") for form in self._live_forms("paper_questions"))
            return any(q is not None and q.type == QuestionType.SHORT for q in questions)
        rules = self._live_forms("paper_rules")
        return any(form.cleaned_data.get("question_type") == QuestionType.SHORT for form in rules)

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


def _quoted(names) -> str:
    return "、".join(f"“{name}”" for name in names)


def _attempts(model, pks) -> str:
    return _("该考试已有 %(n)s 份答卷") % {"n": len(pks)}


def _makeups(model, pks) -> str:
    titles = model.objects.filter(pk__in=pks).order_by("opens_at", "pk").values_list("title", flat=True)
    return _("是补考%(titles)s的原考试") % {"titles": _quoted(titles)}


def _plan_items(model, pks) -> str:
    titles = model.objects.filter(pk__in=pks).order_by("plan__title").values_list("plan__title", flat=True).distinct()
    return _("被学法清单%(titles)s引用") % {"titles": _quoted(titles)}


def _review_rules(model, pks) -> str:
    years = model.objects.filter(pk__in=pks).order_by("year").values_list("year", flat=True)
    return _("被 %(years)s 年度的年审规则引用") % {"years": "、".join(str(y) for y in years)}


def _certificates(model, pks) -> str:
    return _("已据此考试发放 %(n)s 份考试合格证书") % {"n": len(pks)}


def _other(model, pks) -> str:
    return _("被 %(n)s 条“%(model)s”记录引用") % {"n": len(pks), "model": model._meta.verbose_name}


#: How each kind of protecting reference is worded; anything else gets ``_other``.
_BLOCKER_WORDING = {
    "exams.ExamAttempt": _attempts,
    "exams.Exam": _makeups,
    "learning.StudyPlanItem": _plan_items,
    "learning.AnnualReviewRule": _review_rules,
    "certificates.Certificate": _certificates,
}


def exam_delete_blockers(exam: Exam) -> list[str]:
    """Why ``exam`` cannot be deleted, one sentence per kind of reference; empty when it can be.

    The references are found the way ``exam.delete()`` would find them (Django's deletion
    collector), so a new ``PROTECT`` foreign key to exams is refused here too, worded generically
    until it gets its own sentence.
    """
    collector = Collector(using=router.db_for_write(Exam))
    try:
        collector.collect([exam])
    except ProtectedError as exc:
        blocking = exc.protected_objects
    except RestrictedError as exc:
        blocking = exc.restricted_objects
    else:
        return []
    pks_by_model = defaultdict(list)
    for obj in blocking:
        pks_by_model[type(obj)].append(obj.pk)
    order = list(_BLOCKER_WORDING)

    def rank(model) -> tuple[int, str]:
        label = model._meta.label
        return (order.index(label) if label in order else len(order), label)

    return [_BLOCKER_WORDING.get(m._meta.label, _other)(m, pks_by_model[m]) for m in sorted(pks_by_model, key=rank)]


def delete_advice(exam: Exam) -> str:
    if exam.is_published:
        return _(
            "考试过了截止时间会自动结束，无需删除；要提前结束，请在编辑页把“截止时间”改为现在。"
            "不要为此取消“已发布”：学员会在“我的考试”中看不到自己这场考试的成绩。"
        )
    return _("这场考试未发布，学员看不到它，保留即可。")


class ExamDeleteView(generic.DeleteView):
    """Deleting an exam that something still refers to is refused up front, saying what refers to it.

    Wagtail's own guard (the reference index behind ``usage.is_protected``) sees only references
    from models it indexes, such as a make-up exam; attempts, study plans, annual review rules and
    certificates are plain models outside that index, so deleting their exam used to end in an
    unhandled ``ProtectedError``. The reasons come from ``exam_delete_blockers``; the page reuses
    Wagtail's ``is_protected`` switch to hide the delete button.
    """

    template_name = "exams/admin/exam_confirm_delete.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["blockers"] = blockers = exam_delete_blockers(self.object)
        if blockers:
            context["is_protected"] = True
            context["advice"] = delete_advice(self.object)
            context["edit_url"] = reverse(self.edit_url_name, args=[self.object.pk])
        return context

    def form_valid(self, form):
        blockers = exam_delete_blockers(self.object)
        if not blockers:
            try:
                return super().form_valid(form)
            except (ProtectedError, RestrictedError):  # referenced since the check above
                blockers = exam_delete_blockers(self.object)
        messages.error(
            self.request,
            _("考试“%(exam)s”不能删除：%(reasons)s。%(advice)s")
            % {"exam": self.object, "reasons": "；".join(blockers), "advice": delete_advice(self.object)},
        )
        return redirect(self.edit_url_name, self.object.pk)


class ExamViewSet(ModelViewSet):
    model = Exam
    icon = "doc-full-inverse"
    menu_label = gettext_lazy("考试管理")
    menu_order = 310
    add_to_admin_menu = True
    delete_view_class = ExamDeleteView
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
                heading=gettext_lazy("基本设置"),
            ),
            ObjectList(
                [
                    FieldPanel("audience_units"),
                    FieldPanel("audience_staff_categories"),
                    FieldPanel("audience_users"),
                    FieldPanel("makeup_for"),
                ],
                heading=gettext_lazy("参考人员"),
            ),
            ObjectList(
                [
                    FieldRowPanel(
                        [FieldPanel("paper_mode"), FieldPanel("shuffle_questions"), FieldPanel("shuffle_options")]
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_questions", label=gettext_lazy("试卷题目"))],
                        heading=gettext_lazy("固定试卷"),
                    ),
                    MultiFieldPanel(
                        [InlinePanel("paper_rules", label=gettext_lazy("抽题规则"))],
                        heading=gettext_lazy("按规则随机抽题"),
                    ),
                ],
                heading=gettext_lazy("试卷"),
            ),
            ObjectList(
                [
                    FieldRowPanel([FieldPanel("credit_hours"), FieldPanel("credit_category")]),
                    FieldRowPanel([FieldPanel("review_policy"), FieldPanel("review_from")]),
                    FieldPanel("graders"),
                ],
                heading=gettext_lazy("学时、查看与阅卷"),
            ),
        ],
        base_form_class=ExamAdminForm,
    )


@hooks.register("register_admin_viewset")
def register_exam_viewset():
    return ExamViewSet()
