"""A small search index of our own that handles Chinese on SQLite and PostgreSQL alike.

Chinese has no spaces, so neither SQLite FTS nor PostgreSQL's default text search
splits it into words. Instead every indexed object gets a ``SearchDocument`` and an
inverted index of ``SearchToken`` rows: character bigrams for CJK runs and whole
words for Latin letters/digits. A query is cut into terms (jieba for long CJK runs),
each term into the same tokens; a B-tree lookup on ``token`` narrows the candidates
on either database, and a substring test on the normalised text keeps only true
matches. See ``cms.search`` for the API.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SearchDocument(models.Model):
    """One searchable object (a law article, a course, a lesson…)."""

    kind = models.CharField(_("类型"), max_length=30)
    object_id = models.PositiveBigIntegerField(_("对象编号"))
    title = models.CharField(_("标题"), max_length=300)
    context = models.CharField(_("出处"), max_length=300, blank=True)
    body = models.TextField(_("正文"), blank=True)
    url = models.CharField(_("网址"), max_length=500)
    title_norm = models.CharField(_("标题（规范化）"), max_length=300)
    text_norm = models.TextField(_("全文（规范化）"))
    content_hash = models.CharField(_("内容摘要"), max_length=64)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("搜索文档")
        verbose_name_plural = _("搜索文档")
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id"], name="cms_searchdocument_unique_object"),
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.object_id} {self.title}"


class SearchToken(models.Model):
    """Inverted index row: ``document`` contains ``token`` (a bigram or a word)."""

    document = models.ForeignKey(SearchDocument, on_delete=models.CASCADE, related_name="tokens")
    token = models.CharField(_("词元"), max_length=40)

    class Meta:
        verbose_name = _("搜索词元")
        verbose_name_plural = _("搜索词元")
        constraints = [
            models.UniqueConstraint(fields=["token", "document"], name="cms_searchtoken_unique"),
        ]

    def __str__(self) -> str:
        return self.token
