"""Reads for the law-library pages. Each returns everything its page needs in a
fixed number of queries, however many articles a law has."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404

from cms.models import Law, LawArticle, LawChapter, LawSection, LawVersion


def laws_with_versions() -> QuerySet[Law]:
    """All laws, each with its versions (newest first) and their article counts: two queries."""
    versions = LawVersion.objects.annotate(article_count=Count("articles")).order_by("-effective_date")
    return Law.objects.prefetch_related(Prefetch("versions", queryset=versions)).order_by("short_name")


def get_version(law_slug: str, label: str | None = None) -> LawVersion:
    """The named version of a law, or its current version when ``label`` is None."""
    versions = LawVersion.objects.select_related("law").filter(law__slug=law_slug)
    version = versions.filter(label=label).first() if label else versions.filter(is_current=True).first()
    if version is None:
        raise Http404("没有这个法规版本")
    return version


def sibling_versions(version: LawVersion) -> list[LawVersion]:
    """Every version of the same law, newest first, for the version switcher."""
    versions = list(
        version.law.versions.order_by("-effective_date").only("id", "law_id", "label", "is_current", "effective_date")
    )
    for other in versions:
        other.law = version.law
    return versions


@dataclass
class SectionBlock:
    section: LawSection
    articles: list[LawArticle] = field(default_factory=list)


@dataclass
class ChapterBlock:
    chapter: LawChapter
    articles: list[LawArticle] = field(default_factory=list)  # articles not inside a section
    sections: list[SectionBlock] = field(default_factory=list)


@dataclass
class VersionContents:
    loose_articles: list[LawArticle]  # articles of a law without chapters
    chapters: list[ChapterBlock]
    article_count: int


def version_contents(version: LawVersion) -> VersionContents:
    """The version's text as a chapter → section → article tree, in three queries."""
    chapters = list(version.chapters.order_by("position"))
    sections = list(LawSection.objects.filter(chapter__version=version).order_by("chapter__position", "position"))
    articles = list(version.articles.order_by("number", "sub_number"))
    chapter_blocks = {chapter.pk: ChapterBlock(chapter) for chapter in chapters}
    section_blocks = {}
    for section in sections:
        block = SectionBlock(section)
        section_blocks[section.pk] = block
        chapter_blocks[section.chapter_id].sections.append(block)
        section.chapter = chapter_blocks[section.chapter_id].chapter
    loose: list[LawArticle] = []
    for article in articles:
        article.version = version
        if article.section_id in section_blocks:
            section_blocks[article.section_id].articles.append(article)
        elif article.chapter_id in chapter_blocks:
            chapter_blocks[article.chapter_id].articles.append(article)
        else:
            loose.append(article)
    return VersionContents(loose_articles=loose, chapters=list(chapter_blocks.values()), article_count=len(articles))


def parse_article_key(key: str) -> tuple[int, int]:
    """``"33"`` → (33, 0); ``"120-1"`` → (120, 1) for 第一百二十条之一."""
    number, _, sub = key.partition("-")
    return int(number), int(sub or 0)


@dataclass
class ArticlePage:
    article: LawArticle
    previous: LawArticle | None
    next: LawArticle | None
    versions: list[tuple[LawVersion, LawArticle | None]]


def article_page(version: LawVersion, key: str) -> ArticlePage:
    """One article with its neighbours and the same-numbered article in every other version."""
    number, sub_number = parse_article_key(key)
    article = (
        LawArticle.objects.select_related("chapter", "section")
        .filter(version=version, number=number, sub_number=sub_number)
        .first()
    )
    if article is None:
        raise Http404("没有这一条")
    article.version = version
    ordered = version.articles.only("id", "version_id", "number", "sub_number", "number_text")
    before = Q(number__lt=number) | Q(number=number, sub_number__lt=sub_number)
    after = Q(number__gt=number) | Q(number=number, sub_number__gt=sub_number)
    previous = ordered.filter(before).order_by("-number", "-sub_number").first()
    following = ordered.filter(after).order_by("number", "sub_number").first()
    for neighbour in (previous, following):
        if neighbour is not None:
            neighbour.version = version
    same_number = {
        other.version_id: other
        for other in LawArticle.objects.filter(
            version__law_id=version.law_id, number=number, sub_number=sub_number
        ).only("id", "version_id", "number", "sub_number", "number_text")
    }
    versions = []
    for other_version in sibling_versions(version):
        other = same_number.get(other_version.pk)
        if other is not None:
            other.version = other_version
        versions.append((other_version, other))
    return ArticlePage(article=article, previous=previous, next=following, versions=versions)


@dataclass
class CitedArticle:
    """An article content cites, and the article of the current version that continues it.

    ``current`` is ``None`` when the current version repealed it. ``amended`` is what
    a learner is told as “本条已修订”: the cited version is no longer current and the
    article changed, moved to another number or was repealed since (an article the
    new version kept word for word under its number is not amended).
    """

    cited: LawArticle
    current: LawArticle | None
    amended: bool

    @property
    def is_current(self) -> bool:
        return self.cited.version.is_current


def cited_articles(article_ids) -> dict[int, CitedArticle]:
    """``CitedArticle`` for each id that exists, in two queries (three for versions never compared)."""
    from cms.laws.amendments import words
    from cms.models import ArticleChangeKind, LawArticleChange

    ids = {pk for pk in article_ids if pk}
    if not ids:
        return {}
    chosen = LawArticle.objects.select_related("version__law").in_bulk(ids)
    result = {pk: CitedArticle(a, a, False) for pk, a in chosen.items() if a.version.is_current}
    stale = {pk: a for pk, a in chosen.items() if not a.version.is_current}
    if not stale:
        return result
    for change in LawArticleChange.objects.filter(
        old_article_id__in=stale, comparison__new_version__is_current=True
    ).select_related("new_article__version__law"):
        article = stale.pop(change.old_article_id)
        result[article.pk] = CitedArticle(article, change.new_article, change.kind != ArticleChangeKind.UNCHANGED)
    if stale:
        condition = Q()
        for a in stale.values():
            condition |= Q(version__law_id=a.version.law_id, number=a.number, sub_number=a.sub_number)
        same_number = {
            (a.version.law_id, a.number, a.sub_number): a
            for a in LawArticle.objects.select_related("version__law").filter(condition, version__is_current=True)
        }
        for a in stale.values():
            current = same_number.get((a.version.law_id, a.number, a.sub_number))
            result[a.pk] = CitedArticle(a, current, current is None or words(current.text) != words(a.text))
    return result
