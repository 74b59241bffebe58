"""What a new version of a law means for the content that cites the old one.

``LawVersionComparison`` / ``LawArticleChange``: how each article of an older
version continues in a newer one (unchanged, changed, moved, repealed), computed by
``cms.laws.amendments`` when a version becomes current and kept until either text
changes.

``AmendmentFlag`` is the abstract reminder to a trainer: "this content cites an
article that was amended". It keeps a copy of both texts so that the side-by-side
view still reads right after a later re-import rewrites or drops the articles.
``LawAmendmentFlag`` is the cms's kind, for course and lesson pages; the apps above
subclass it for what they own (``exams.QuestionLawFlag`` for questions).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleChangeKind(models.TextChoices):
    UNCHANGED = "unchanged", _("未修改")
    CHANGED = "changed", _("条文修改")
    MOVED = "moved", _("条号变更")
    REPEALED = "repealed", _("已删除")


class LawVersionComparison(models.Model):
    """One comparison of two versions of a law; recomputed when either text changes (its hashes)."""

    old_version = models.ForeignKey(
        "cms.LawVersion", on_delete=models.CASCADE, related_name="+", verbose_name=_("原版本")
    )
    new_version = models.ForeignKey(
        "cms.LawVersion", on_delete=models.CASCADE, related_name="comparisons", verbose_name=_("新版本")
    )
    old_content_hash = models.CharField(_("原版本内容摘要"), max_length=64)
    new_content_hash = models.CharField(_("新版本内容摘要"), max_length=64)
    compared_at = models.DateTimeField(_("比对时间"), auto_now=True)

    class Meta:
        verbose_name = _("法规版本比对")
        verbose_name_plural = _("法规版本比对")
        constraints = [
            models.UniqueConstraint(fields=["old_version", "new_version"], name="cms_lawversioncomparison_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.old_version} → {self.new_version.label}"


class LawArticleChange(models.Model):
    """How one article of the older version continues in the newer one (``new_article`` empty: repealed)."""

    comparison = models.ForeignKey(
        LawVersionComparison, on_delete=models.CASCADE, related_name="changes", verbose_name=_("版本比对")
    )
    old_article = models.ForeignKey(
        "cms.LawArticle", on_delete=models.CASCADE, related_name="changes", verbose_name=_("原条文")
    )
    new_article = models.ForeignKey(
        "cms.LawArticle", on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("新条文")
    )
    kind = models.CharField(_("变化"), max_length=16, choices=ArticleChangeKind.choices)
    similarity_percent = models.PositiveSmallIntegerField(_("相似度（百分比）"), default=0)

    class Meta:
        verbose_name = _("条文变化")
        verbose_name_plural = _("条文变化")
        constraints = [
            models.UniqueConstraint(fields=["comparison", "old_article"], name="cms_lawarticlechange_unique"),
            models.CheckConstraint(
                condition=models.Q(kind="repealed", new_article__isnull=True)
                | (~models.Q(kind="repealed") & models.Q(new_article__isnull=False)),
                name="cms_lawarticlechange_repealed_has_no_article",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.old_article_id} → {self.new_article_id or '—'} ({self.kind})"


class FlagStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    RESOLVED = "resolved", _("已处理")


class AmendmentFlag(models.Model):
    """A reminder that some content cites an article a newer version amended (abstract: one table per kind)."""

    law = models.ForeignKey("cms.Law", on_delete=models.CASCADE, related_name="+", verbose_name=_("法律法规"))
    old_article = models.ForeignKey(
        "cms.LawArticle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("所引条文"),
    )
    new_version = models.ForeignKey(
        "cms.LawVersion",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("新版本"),
    )
    new_article = models.ForeignKey(
        "cms.LawArticle",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("新条文"),
    )
    kind = models.CharField(_("变化"), max_length=16, choices=ArticleChangeKind.choices)
    # Copies of both sides, as they read when the flag was raised.
    old_version_label = models.CharField(_("原版本"), max_length=20)
    old_number_text = models.CharField(_("原条号"), max_length=30)
    old_text = models.TextField(_("原条文"))
    new_version_label = models.CharField(_("新版本"), max_length=20)
    new_number_text = models.CharField(_("新条号"), max_length=30, blank=True)
    new_text = models.TextField(_("新条文"), blank=True)
    status = models.CharField(_("状态"), max_length=16, choices=FlagStatus.choices, default=FlagStatus.OPEN)
    created_at = models.DateTimeField(_("提醒时间"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("处理人"),
    )
    resolution_note = models.CharField(_("处理说明"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def is_open(self) -> bool:
        return self.status == FlagStatus.OPEN

    @property
    def old_paragraphs(self) -> list[str]:
        return [p for p in self.old_text.split("\n") if p]

    @property
    def new_paragraphs(self) -> list[str]:
        return [p for p in self.new_text.split("\n") if p]


class LawAmendmentFlag(AmendmentFlag):
    """A course or lesson page cites (``CoursePage`` covers, ``LessonPage`` quotes) an amended article."""

    page = models.ForeignKey("wagtailcore.Page", on_delete=models.CASCADE, related_name="+", verbose_name=_("页面"))

    class Meta:
        verbose_name = _("课程法条修订提醒")
        verbose_name_plural = _("课程法条修订提醒")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["page", "old_article", "new_version"], name="cms_lawamendmentflag_unique"),
        ]
        indexes = [models.Index(fields=["status", "page"], name="cms_lawflag_status_page")]

    def __str__(self) -> str:
        return f"{self.page_id}: {self.old_version_label} {self.old_number_text}"
