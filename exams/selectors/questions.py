"""Reading the question bank: export sets, category lookups, law-article citations, duplicates of an import."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from cms.laws.numerals import NUMERAL_CHARS, chinese_to_int
from cms.models import LawArticle
from exams.grading import normalise_fill
from exams.models import Question, QuestionCategory
from exams.richtext import excerpt, html_to_text
from exams.services.questions import QuestionContent, split_category_path

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


# --- duplicates of an imported file in the bank ---------------------------------------------------


class DuplicateReason:
    IDNUMBER = "idnumber"
    CONTENT = "content"


@dataclass(frozen=True)
class ImportCandidate:
    """One checked question of a file about to be imported (``index``: its place among them)."""

    index: int
    label: str
    line: int | None
    path: str
    qtype: str
    idnumber: str
    content: QuestionContent


@dataclass(frozen=True)
class DuplicateMatch:
    """A question of the file that the bank already holds (``changed``: the file's content differs)."""

    index: int
    label: str
    line: int | None
    question_id: int
    question_label: str
    reason: str
    changed: bool

    @property
    def reason_label(self) -> str:
        return _("编号相同") if self.reason == DuplicateReason.IDNUMBER else _("题干和选项相同")

    def as_json(self) -> list:
        return [self.index, self.label, self.line, self.question_id, self.question_label, self.reason, self.changed]

    @classmethod
    def from_json(cls, row: list) -> DuplicateMatch:
        return cls(*row)


def _norm(text: str) -> str:
    return normalise_fill(html_to_text(text or ""))


def content_fingerprint(qtype: str, content: QuestionContent) -> tuple:
    """What makes two questions "the same question": type, stem, and options with their key (or answers).

    Text is compared after NFKC, without whitespace or case, and option order does not matter
    (a bank exported with shuffled options is still the same bank).
    """
    texts = {o.get("key"): o.get("text", "") for o in content.options}
    # A part's answer is another option's key (matching): compared by that option's text.
    options = frozenset(
        (_norm(o.get("text", "")), bool(o.get("correct")), _norm(texts.get(o.get("answer"), "")))
        for o in content.options
    )
    answers = frozenset(_norm(a) for a in content.accepted_answers)
    return (qtype, _norm(content.stem), options, answers)


_EXISTING_FIELDS = (
    "pk",
    "type",
    "name",
    "idnumber",
    "category__full_path",
    "current_version__stem",
    "current_version__options",
    "current_version__accepted_answers",
    "current_version__points",
    "current_version__difficulty",
    "current_version__explanation",
)


def _existing_content(row: dict) -> QuestionContent:
    return QuestionContent(
        stem=row["current_version__stem"],
        options=list(row["current_version__options"]),
        accepted_answers=list(row["current_version__accepted_answers"]),
        points=Decimal(row["current_version__points"]),
        difficulty=row["current_version__difficulty"],
        explanation=row["current_version__explanation"],
    )


def _differs(row: dict, candidate: ImportCandidate) -> bool:
    """Whether importing the candidate over the bank's question would change what learners see or score."""
    existing = _existing_content(row)
    return (
        content_fingerprint(row["type"], existing) != content_fingerprint(candidate.qtype, candidate.content)
        or existing.points != candidate.content.points
        or _norm(existing.explanation) != _norm(candidate.content.explanation)
        or _fractions(existing) != _fractions(candidate.content)
    )


def _fractions(content: QuestionContent) -> frozenset:
    return frozenset((_norm(o.get("text", "")), o.get("fraction")) for o in content.options)


def find_duplicates(candidates: Sequence[ImportCandidate]) -> list[DuplicateMatch]:
    """The candidates the bank already holds: same ``idnumber`` (and type), or the same content in the same category.

    An idnumber match in the candidate's own category wins over one elsewhere. Two queries,
    whatever the size of the file.
    """
    idnumbers = {c.idnumber for c in candidates if c.idnumber}
    paths = {c.path for c in candidates}
    existing = Question.objects.filter(current_version__isnull=False).order_by("pk")
    by_idnumber: dict[tuple[str, str], list[dict]] = {}
    if idnumbers:
        for row in existing.filter(idnumber__in=idnumbers).values(*_EXISTING_FIELDS):
            by_idnumber.setdefault((row["idnumber"], row["type"]), []).append(row)
    by_content: dict[tuple, dict] = {}
    for row in existing.filter(category__full_path__in=paths).values(*_EXISTING_FIELDS):
        key = (row["category__full_path"], content_fingerprint(row["type"], _existing_content(row)))
        by_content.setdefault(key, row)
    matches = []
    for candidate in candidates:
        rows = by_idnumber.get((candidate.idnumber, candidate.qtype), []) if candidate.idnumber else []
        if rows:
            row = next((r for r in rows if r["category__full_path"] == candidate.path), rows[0])
            reason = DuplicateReason.IDNUMBER
        else:
            row = by_content.get((candidate.path, content_fingerprint(candidate.qtype, candidate.content)))
            reason = DuplicateReason.CONTENT
        if row is None:
            continue
        matches.append(
            DuplicateMatch(
                index=candidate.index,
                label=candidate.label,
                line=candidate.line,
                question_id=row["pk"],
                question_label=row["name"] or excerpt(row["current_version__stem"], 40),
                reason=reason,
                changed=_differs(row, candidate),
            )
        )
    return matches
