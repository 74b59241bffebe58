"""The law library: laws, their versions, and article-addressable text.

A law (行政处罚法) has one or more versions (2017, 2021); exactly one version is
current. Each version is split into chapters (章, optionally grouped under 编 /
分编), optional sections (节) and articles (条). Articles are what courses and
questions cite, so an article is addressed by law + version + number and keeps
its primary key when the same version is re-imported.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Law(models.Model):
    """A law or regulation, independent of its versions."""

    slug = models.SlugField(
        _("标识"),
        max_length=100,
        unique=True,
        allow_unicode=True,
        help_text=_("稳定的标识，取自文件名（不含日期），用于网址。"),
    )
    title = models.CharField(_("名称"), max_length=200)
    short_name = models.CharField(_("简称"), max_length=100)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("法律法规")
        verbose_name_plural = _("法律法规")
        ordering = ["short_name"]

    def __str__(self) -> str:
        return self.short_name or self.title

    def get_absolute_url(self) -> str:
        return reverse("laws:law_detail", kwargs={"law_slug": self.slug})


class LawVersion(models.Model):
    """One promulgated text of a law (e.g. 行政复议法 2023)."""

    law = models.ForeignKey(Law, on_delete=models.CASCADE, related_name="versions", verbose_name=_("法律法规"))
    label = models.CharField(_("版本"), max_length=20, help_text=_("通常为年份，如 2021。"))
    title = models.CharField(_("该版本的名称"), max_length=200)
    effective_date = models.DateField(_("版本日期"))
    history = models.TextField(_("制定与修订沿革"), blank=True)
    preamble = models.TextField(_("序言"), blank=True)
    appendix = models.TextField(_("附件"), blank=True)
    is_current = models.BooleanField(_("现行版本"), default=False)
    source_name = models.CharField(_("来源文件"), max_length=255, blank=True)
    content_hash = models.CharField(_("内容摘要"), max_length=64, blank=True)
    imported_at = models.DateTimeField(_("导入时间"), auto_now=True)

    class Meta:
        verbose_name = _("法规版本")
        verbose_name_plural = _("法规版本")
        ordering = ["law", "-effective_date"]
        constraints = [
            models.UniqueConstraint(fields=["law", "label"], name="cms_lawversion_unique_label"),
            models.UniqueConstraint(fields=["law", "effective_date"], name="cms_lawversion_unique_date"),
            models.UniqueConstraint(fields=["law"], condition=Q(is_current=True), name="cms_lawversion_one_current"),
        ]

    def __str__(self) -> str:
        return f"{self.law} ({self.label})"

    def get_absolute_url(self) -> str:
        return reverse("laws:version_detail", kwargs={"law_slug": self.law.slug, "version": self.label})

    @property
    def history_lines(self) -> list[str]:
        return [line for line in self.history.split("\n") if line]

    @property
    def preamble_paragraphs(self) -> list[str]:
        return [line for line in self.preamble.split("\n") if line]

    @property
    def appendix_paragraphs(self) -> list[str]:
        return [line for line in self.appendix.split("\n") if line]


class LawChapter(models.Model):
    """A chapter (章) — or, in a law without chapters under a 编, the 编 itself."""

    version = models.ForeignKey(
        LawVersion, on_delete=models.CASCADE, related_name="chapters", verbose_name=_("法规版本")
    )
    position = models.PositiveIntegerField(_("顺序"))
    part_title = models.CharField(
        _("所属编"), max_length=200, blank=True, help_text=_("章所属的编、分编，如“第一编 总则”。")
    )
    number = models.PositiveIntegerField(_("序号"))
    number_text = models.CharField(_("章号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)

    class Meta:
        verbose_name = _("章")
        verbose_name_plural = _("章")
        ordering = ["version", "position"]
        constraints = [
            models.UniqueConstraint(fields=["version", "position"], name="cms_lawchapter_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.number_text} {self.title}".strip()

    @property
    def anchor(self) -> str:
        return f"ch-{self.position}"


class LawSection(models.Model):
    """A section (节) inside a chapter; many laws have none."""

    chapter = models.ForeignKey(LawChapter, on_delete=models.CASCADE, related_name="sections", verbose_name=_("章"))
    position = models.PositiveIntegerField(_("顺序"))
    number = models.PositiveIntegerField(_("序号"))
    number_text = models.CharField(_("节号"), max_length=20)
    title = models.CharField(_("标题"), max_length=200)

    class Meta:
        verbose_name = _("节")
        verbose_name_plural = _("节")
        ordering = ["chapter", "position"]
        constraints = [
            models.UniqueConstraint(fields=["chapter", "position"], name="cms_lawsection_unique_position"),
        ]

    def __str__(self) -> str:
        return f"{self.number_text} {self.title}".strip()

    @property
    def anchor(self) -> str:
        return f"ch-{self.chapter.position}-sec-{self.position}"


class LawArticle(models.Model):
    """One article (条). ``text`` holds its paragraphs (款/项) separated by newlines.

    ``sub_number`` is non-zero only for inserted articles such as 第一百二十条之一
    (number 120, sub_number 1), which amended codes use to keep later numbers.
    """

    version = models.ForeignKey(
        LawVersion, on_delete=models.CASCADE, related_name="articles", verbose_name=_("法规版本")
    )
    chapter = models.ForeignKey(
        LawChapter,
        on_delete=models.CASCADE,
        related_name="articles",
        null=True,
        blank=True,
        verbose_name=_("章"),
    )
    section = models.ForeignKey(
        LawSection,
        on_delete=models.CASCADE,
        related_name="articles",
        null=True,
        blank=True,
        verbose_name=_("节"),
    )
    number = models.PositiveIntegerField(_("条号（数字）"))
    sub_number = models.PositiveSmallIntegerField(_("之几"), default=0)
    number_text = models.CharField(_("条号"), max_length=30)
    text = models.TextField(_("条文"))

    class Meta:
        verbose_name = _("条文")
        verbose_name_plural = _("条文")
        ordering = ["version", "number", "sub_number"]
        constraints = [
            models.UniqueConstraint(fields=["version", "number", "sub_number"], name="cms_lawarticle_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.version.law} {self.number_text}"

    def get_absolute_url(self) -> str:
        """This article in this version (stable across re-imports)."""
        return reverse(
            "laws:article_detail",
            kwargs={"law_slug": self.version.law.slug, "version": self.version.label, "article": self.key},
        )

    def get_current_url(self) -> str:
        """The same-numbered article in whatever version is current."""
        return reverse("laws:current_article", kwargs={"law_slug": self.version.law.slug, "article": self.key})

    @property
    def key(self) -> str:
        """The article's number as used in URLs: "33", or "120-1" for 第一百二十条之一."""
        return f"{self.number}-{self.sub_number}" if self.sub_number else str(self.number)

    @property
    def anchor(self) -> str:
        return f"art-{self.key}"

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.text.split("\n") if p]
