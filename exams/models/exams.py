"""Exams and their papers.

An exam says *who* may sit it (audience), *when* (window and duration), *how
often* (attempts and which one counts), *what passes* (pass mark as a percentage
of the paper's total points) and *what a pass is worth* (hours, certificate). The
paper is either a fixed, ordered list of questions or a set of drawing rules
("20 单选题 from 行政处罚法, 2 分 each"); either way each attempt freezes its own
copy when it starts (``exams.models.attempts.AttemptQuestion``).

``Exam`` is a ``ClusterableModel`` so that the Wagtail admin can edit the paper
(``ExamQuestion`` / ``PaperRule``) inline with the exam.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.models import Orderable

from accounts import audience
from exams import qtypes

__all__ = ["Exam", "ExamQuestion", "PaperRule"]


class Exam(ClusterableModel):
    class CountedAttempt(models.TextChoices):
        HIGHEST = "highest", _("取最高分")
        LAST = "last", _("取最后一次")

    class ReviewPolicy(models.TextChoices):
        SCORE = "score", _("仅显示分数")
        RESPONSES = "responses", _("显示本人作答及每题得分")
        FULL = "full", _("显示正确答案和解析")

    class PaperMode(models.TextChoices):
        FIXED = "fixed", _("固定试卷")
        RULES = "rules", _("按规则随机抽题")

    title = models.CharField(_("考试名称"), max_length=200)
    description = models.TextField(_("考试说明"), blank=True)
    opens_at = models.DateTimeField(_("开考时间"))
    closes_at = models.DateTimeField(_("截止时间"), help_text=_("此时间之后不能再开始答题；进行中的答卷也在此时收卷。"))
    duration_minutes = models.PositiveIntegerField(
        _("答题时长（分钟）"), default=60, validators=[MinValueValidator(1), MaxValueValidator(24 * 60)]
    )
    attempts_allowed = models.PositiveSmallIntegerField(
        _("允许作答次数"), default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    counted_attempt = models.CharField(
        _("计分方式"), max_length=16, choices=CountedAttempt.choices, default=CountedAttempt.HIGHEST
    )
    pass_percent = models.DecimalField(
        _("及格线（占试卷总分的百分比）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("60"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("例如 60 表示得分达到试卷总分的 60% 即为及格。"),
    )
    audience_units = models.ManyToManyField(
        "accounts.OrgUnit",
        verbose_name=_("参考单位"),
        blank=True,
        related_name="+",
        help_text=audience.UNITS_HELP,
    )
    audience_staff_categories = models.JSONField(
        _("参考人员类别"), default=list, blank=True, help_text=audience.CATEGORIES_HELP
    )
    audience_users = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("指定人员"),
        blank=True,
        related_name="+",
        help_text=audience.help_text(audience.PEOPLE_HELP, audience.OPEN_HELP),
    )
    makeup_for = models.ForeignKey(
        "self",
        verbose_name=_("补考对应的考试"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="makeups",
        help_text=_("设置后本场为补考，只有原考试未通过的人员可以参加。"),
    )
    credit_hours = models.DecimalField(
        _("通过后记入学时"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("留空则按当年学时规则中的“考试通过学时”；填 0 表示不记学时。"),
    )
    credit_category = models.ForeignKey(
        "learning.HourCategory",
        verbose_name=_("学时类别"),
        to_field="code",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("留空为“法律知识”。"),
    )
    review_policy = models.CharField(
        _("交卷后可查看"), max_length=16, choices=ReviewPolicy.choices, default=ReviewPolicy.SCORE
    )
    review_from = models.DateTimeField(
        _("可查看答卷的时间"),
        null=True,
        blank=True,
        help_text=_("留空表示考试截止后才能查看作答详情（分数在评分完成后即可查看）。"),
    )
    partial_credit = models.BooleanField(
        _("多选题按比例给分"), default=False, help_text=_("不勾选时多选题须全部选对才得分。")
    )
    graders = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("阅卷人"),
        blank=True,
        related_name="exams_to_grade",
        help_text=_("负责批改简答题的人员。"),
    )
    is_annual_law_exam = models.BooleanField(_("年度学法考试"), default=False)
    year = models.PositiveSmallIntegerField(_("年度"), null=True, blank=True)
    is_published = models.BooleanField(_("已发布"), default=False)
    has_mock = models.BooleanField(
        _("有模拟考试"),
        default=False,
        help_text=_("参考人员可按本场的组卷方式随时抽取模拟试卷练习，交卷即评分并显示答案和解析，不计成绩、不计学时。"),
    )
    paper_mode = models.CharField(_("组卷方式"), max_length=8, choices=PaperMode.choices, default=PaperMode.FIXED)
    shuffle_questions = models.BooleanField(_("打乱题目顺序"), default=True)
    shuffle_options = models.BooleanField(_("打乱选项顺序"), default=True)
    # Integrity options (考试纪律), all off by default; every event is logged per attempt (``AttemptEvent``).
    count_page_leaves = models.BooleanField(
        _("记录离开答题页面"), default=False, help_text=_("切换到其他页面、应用或窗口时记录一次，显示在成绩统计中。")
    )
    page_leave_limit = models.PositiveSmallIntegerField(
        _("离开页面次数上限"),
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_("离开答题页面达到此次数时自动交卷（已保存的答案全部保留）；0 表示只记录不交卷。"),
    )
    require_fullscreen = models.BooleanField(
        _("电脑端要求全屏作答"),
        default=False,
        help_text=_("电脑上进入答题页时请求全屏，退出全屏会被记录；手机不受影响。"),
    )
    block_copy_paste = models.BooleanField(
        _("禁止复制、粘贴和右键菜单"), default=False, help_text=_("仅在试卷区域内生效，每次尝试都会被记录。")
    )
    single_device = models.BooleanField(
        _("同一时间只允许一台设备作答"),
        default=False,
        help_text=_("在另一台设备或浏览器打开答卷后，原设备停止作答（已保存的答案不会丢失）。"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("考试")
        verbose_name_plural = _("考试")
        ordering = ["-opens_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(closes_at__gt=F("opens_at")), name="exam_window_order"),
            models.CheckConstraint(
                condition=Q(pass_percent__gte=0) & Q(pass_percent__lte=100), name="exam_pass_percent_range"
            ),
            models.CheckConstraint(condition=Q(attempts_allowed__gte=1), name="exam_attempts_min_one"),
            models.CheckConstraint(condition=Q(duration_minutes__gte=1), name="exam_duration_min_one"),
            models.CheckConstraint(
                condition=Q(is_annual_law_exam=False) | Q(year__isnull=False), name="exam_annual_needs_year"
            ),
        ]
        indexes = [
            models.Index(fields=["is_published", "opens_at", "closes_at"], name="exam_published_window"),
            models.Index(fields=["is_annual_law_exam", "year"], name="exam_annual_year"),
        ]

    def __str__(self) -> str:
        return self.title

    def save(self, *args, **kwargs):
        """Save; when the counting rule changed, whose attempt counts is worked out again for every person."""
        from exams.services.counted import recount

        changed = (
            self.pk is not None
            and Exam.objects.filter(pk=self.pk).exclude(counted_attempt=self.counted_attempt).exists()
        )
        with transaction.atomic():
            super().save(*args, **kwargs)
            if changed:
                recount(exam_ids=[self.pk])

    @property
    def is_makeup(self) -> bool:
        return self.makeup_for_id is not None


class ExamQuestion(Orderable):
    """One slot of a fixed paper; the question's current version is frozen at start."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="paper_questions", verbose_name=_("考试"))
    question = models.ForeignKey(
        "exams.Question", verbose_name=_("题目"), on_delete=models.PROTECT, related_name="exam_slots"
    )
    points = models.DecimalField(
        _("本卷分值"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("留空则使用题目自身的分值。"),
    )

    class Meta(Orderable.Meta):
        verbose_name = _("试卷题目")
        verbose_name_plural = _("试卷题目")
        constraints = [models.UniqueConstraint(fields=["exam", "question"], name="uniq_exam_question")]

    def __str__(self) -> str:
        return f"{self.exam_id}#{self.sort_order}: {self.question_id}"


class PaperRule(Orderable):
    """ "Draw ``count`` questions of ``question_type`` from ``category`` (and below), ``points_each``."""

    exam = ParentalKey(Exam, on_delete=models.CASCADE, related_name="paper_rules", verbose_name=_("考试"))
    category = models.ForeignKey(
        "exams.QuestionCategory", verbose_name=_("题目分类"), on_delete=models.PROTECT, related_name="+"
    )
    include_subcategories = models.BooleanField(_("包含下级分类"), default=True)
    question_type = models.CharField(_("题型"), max_length=16, choices=qtypes.type_choices)
    count = models.PositiveSmallIntegerField(_("抽题数量"), validators=[MinValueValidator(1)])
    points_each = models.DecimalField(
        _("每题分值"), max_digits=6, decimal_places=2, validators=[MinValueValidator(Decimal("0"))]
    )

    class Meta(Orderable.Meta):
        verbose_name = _("抽题规则")
        verbose_name_plural = _("抽题规则")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1), name="paper_rule_count_min_one"),
            models.CheckConstraint(condition=Q(points_each__gte=0), name="paper_rule_points_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.category} · {self.get_question_type_display()} × {self.count}"
