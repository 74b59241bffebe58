"""The question bank: a category tree, questions and their immutable-once-used versions.

A ``Question`` is the stable identity trainers manage (category, type, tags, law
articles); what a learner actually sees lives in a ``QuestionVersion``. Once a
version has been put on an attempt's paper it never changes again: editing the
question then writes a new version (see ``exams.services.questions.save_question``),
so old attempts keep grading against exactly what they showed.

Options are a JSON list on the version rather than a child table: freezing a paper
is then one row per question (version id + option order) and grading never joins.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase
from treebeard.mp_tree import MP_Node

from exams import qtypes

CATEGORY_SEPARATOR = "/"


class QuestionCategory(MP_Node):
    """A node of the bank's category tree, e.g. 法律知识 → 行政处罚法."""

    name = models.CharField(_("名称"), max_length=100)
    full_path = models.CharField(_("完整路径"), max_length=500, unique=True, editable=False)
    description = models.TextField(_("说明"), blank=True)
    open_for_practice = models.BooleanField(
        _("开放练习"), default=False, help_text=_("学员可以在“练习”中练习本分类及其下级分类的题目。")
    )

    node_order_by = ["name"]

    class Meta:
        verbose_name = _("题目分类")
        verbose_name_plural = _("题目分类")

    def __str__(self) -> str:
        return self.full_path or self.name

    def compute_full_path(self) -> str:
        parent = self.get_parent() if self.depth and self.depth > 1 else None
        return f"{parent.full_path}{CATEGORY_SEPARATOR}{self.name}" if parent else self.name

    def save(self, *args, **kwargs):
        self.name = self.name.replace(CATEGORY_SEPARATOR, "／").strip()
        self.full_path = self.compute_full_path()
        super().save(*args, **kwargs)


class _QuestionTypeNames(type):
    """``QuestionType.choices``/``.values`` and ``QuestionType("single").label`` come from the registry."""

    @property
    def choices(cls) -> list[tuple[str, object]]:
        return qtypes.type_choices()

    @property
    def values(cls) -> list[str]:
        return [name for name, _label in qtypes.type_choices()]

    def __call__(cls, name: str):
        return qtypes.get(name)


class QuestionType(metaclass=_QuestionTypeNames):
    """The names of the question types (``exams.qtypes`` holds the types themselves)."""

    SINGLE = "single"
    MULTIPLE = "multiple"
    TRUEFALSE = "truefalse"
    FILL = "fill"
    SHORT = "short"
    MATCHING = "matching"
    NUMERICAL = "numerical"
    CLOZE = "cloze"
    ORDERING = "ordering"
    GAPSELECT = "gapselect"
    DDWTOS = "ddwtos"


class Difficulty(models.TextChoices):
    EASY = "easy", _("容易")
    MEDIUM = "medium", _("中等")
    HARD = "hard", _("困难")


class QuestionTag(TaggedItemBase):
    content_object = models.ForeignKey("exams.Question", on_delete=models.CASCADE, related_name="tagged_items")

    class Meta:
        verbose_name = _("题目标签")
        verbose_name_plural = _("题目标签")


class Question(models.Model):
    """The stable identity of a question; its content is ``current_version``."""

    category = models.ForeignKey(
        QuestionCategory,
        verbose_name=_("分类"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    type = models.CharField(_("题型"), max_length=16, choices=qtypes.type_choices)
    name = models.CharField(
        _("题目名称"),
        max_length=255,
        blank=True,
        help_text=_("便于在列表中识别；导入时取自 Moodle 的题目名称或 GIFT 标题。"),
    )
    idnumber = models.CharField(_("编号"), max_length=100, blank=True)
    tags = TaggableManager(verbose_name=_("标签"), through=QuestionTag, blank=True)
    law_articles = models.ManyToManyField(
        "cms.LawArticle",
        verbose_name=_("考查法条"),
        blank=True,
        related_name="questions",
    )
    current_version = models.ForeignKey(
        "exams.QuestionVersion",
        verbose_name=_("当前版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
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
    is_archived = models.BooleanField(_("已归档"), default=False)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["-id"]
        indexes = [models.Index(fields=["category", "type", "is_archived"])]

    def __str__(self) -> str:
        if self.name:
            return self.name
        return f"{self.get_type_display()} #{self.pk}"

    def delete(self, *args, **kwargs):
        """Delete the question with its versions; the pointer at its own current version does not stop that.

        ``current_version`` is ``PROTECT`` against deleting a version on its own; a question's versions
        go with their question, so the pointer is cleared first (in the same transaction: when a paper
        or an attempt still uses a version, the deletion is refused and the pointer stays).
        """
        with transaction.atomic():
            if self.current_version_id is not None:
                Question.objects.filter(pk=self.pk).update(current_version=None)
            return super().delete(*args, **kwargs)


class QuestionVersion(models.Model):
    """One immutable-once-used snapshot of a question's content.

    ``options``: list of ``{"key": "A", "text": "...", "correct": bool,
    "fraction": "0.5"}`` (plain text; fraction a decimal string in [-1, 1], the
    Moodle grade for that option; used only for partial credit). True/false
    questions have the two options ``T`` (正确) and ``F`` (错误).
    ``accepted_answers``: list of strings for fill-in-the-blank (one blank).
    ``data``: the type's own settings (``exams.qtypes``: each type says what its options,
    accepted answers and data hold).
    ``stem`` and ``explanation`` are sanitised HTML.
    """

    question = models.ForeignKey(Question, verbose_name=_("题目"), on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("版本号"))
    stem = models.TextField(_("题干"))
    options = models.JSONField(_("选项"), default=list, blank=True)
    accepted_answers = models.JSONField(_("参考答案"), default=list, blank=True)
    data = models.JSONField(_("题型设置"), default=dict, blank=True)
    points = models.DecimalField(
        _("分值"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    difficulty = models.CharField(_("难度"), max_length=8, choices=Difficulty.choices, default=Difficulty.MEDIUM)
    explanation = models.TextField(_("解析"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("修改人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("题目版本")
        verbose_name_plural = _("题目版本")
        ordering = ["question", "number"]
        constraints = [
            models.UniqueConstraint(fields=["question", "number"], name="uniq_question_version"),
            models.CheckConstraint(condition=Q(points__gte=0), name="question_points_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.question} v{self.number}"

    @property
    def correct_keys(self) -> list[str]:
        return [o["key"] for o in self.options if o.get("correct")]


class DuplicatePolicy(models.TextChoices):
    """What an import does with the questions the bank already holds (see ``exams.selectors.questions.find_duplicates``)."""

    SKIP = "skip", _("跳过（不导入题库中已有的题）")
    VERSION = "version", _("作为已有题目的新版本导入")
    NEW = "new", _("作为新题导入")


class PendingQuestionImport(models.Model):
    """An uploaded bank waiting for the trainer to confirm its preview (kept in the database
    so that the confirming request may land on any web process); deleted on import.

    A small file is checked inside the upload request and kept ``checked``; a large one
    is kept first and checked by a background job (``exams.jobs``), which stores the
    preview here for the page. Only a ``checked`` file can be confirmed.
    """

    token = models.UUIDField(primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    format = models.CharField(max_length=20)
    base_category = models.CharField(max_length=500, blank=True)
    skip_unsupported = models.BooleanField(default=False)
    filename = models.CharField(max_length=255, blank=True)
    data = models.BinaryField()
    # The check passed: the preview was shown (or stored) and the file may be imported.
    checked = models.BooleanField(default=False)
    # The questions the check found (before a background check: the quick count of the file).
    question_count = models.PositiveIntegerField(default=0)
    # What the check found (preview rows, warnings, or the errors), as ``ImportOutcome.as_json``.
    preview = models.JSONField(null=True, blank=True)
    # What the import does with questions the bank already holds; chosen on the preview.
    duplicate_policy = models.CharField(max_length=8, choices=DuplicatePolicy.choices, default=DuplicatePolicy.SKIP)
    # The background job checking or importing this file; while it may still run, the file is kept past its TTL.
    job = models.ForeignKey("jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        verbose_name = _("待确认的题库导入")
        verbose_name_plural = _("待确认的题库导入")

    def __str__(self) -> str:
        return f"{self.filename} ({self.format})"
