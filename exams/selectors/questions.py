"""Reading the question bank: export sets, category lookups, law-article citations."""

from __future__ import annotations

import re

from django.db.models import Prefetch, QuerySet

from cms.laws.numerals import NUMERAL_CHARS, chinese_to_int
from cms.models import LawArticle
from exams.models import Question, QuestionCategory
from exams.services.questions import split_category_path

_NUM = f"[{NUMERAL_CHARS}]+"
CITATION_RE = re.compile(
    rf"^《?(?P<law>[^《》()（）]+?)》?\s*(?:[（(](?P<version>\d{{4}})[)）])?\s*第(?P<num>{_NUM})条(?:之(?P<sub>{_NUM}))?$"
)
CITATION_SPLIT_RE = re.compile(r"[；;\n，,]+")


def find_category(path: str) -> QuestionCategory | None:
    parts = split_category_path(path)
    return QuestionCategory.objects.filter(full_path="/".join(parts)).first() if parts else None


def questions_for_export(category: QuestionCategory | None = None, *, include_archived: bool = False) -> QuerySet:
    """Questions (with content, tags and category) under ``category``, in category-path order."""
    qs = Question.objects.filter(current_version__isnull=False).select_related("category", "current_version")
    if category is not None:
        qs = qs.filter(category__path__startswith=category.path)
    if not include_archived:
        qs = qs.filter(is_archived=False)
    return qs.prefetch_related(
        "tags",
        Prefetch("law_articles", queryset=LawArticle.objects.select_related("version__law")),
    ).order_by("category__full_path", "id")


def split_citations(text: str) -> list[str]:
    return [part.strip() for part in CITATION_SPLIT_RE.split(text or "") if part.strip()]


def resolve_citation(text: str) -> LawArticle | None:
    """ "行政处罚法第五十九条" / "《行政处罚法》（2017）第59条" → the article (current version by default)."""
    match = CITATION_RE.match(re.sub(r"\s+", "", text or ""))
    if not match:
        return None
    try:
        number = chinese_to_int(match.group("num"))
        sub = chinese_to_int(match.group("sub")) if match.group("sub") else 0
    except ValueError:
        return None
    law = match.group("law")
    qs = LawArticle.objects.select_related("version__law").filter(number=number, sub_number=sub)
    qs = qs.filter(version__law__short_name=law) | qs.filter(version__law__title=law)
    if match.group("version"):
        qs = qs.filter(version__label=match.group("version"))
    else:
        qs = qs.filter(version__is_current=True)
    return qs.first()


def format_citation(article: LawArticle) -> str:
    """The text ``resolve_citation`` reads back to the same article."""
    law = article.version.law
    number = article.number_text if article.number_text.startswith("第") else f"第{article.number_text}条"
    version = "" if article.version.is_current else f"（{article.version.label}）"
    return f"{law.short_name or law.title}{version}{number}"
