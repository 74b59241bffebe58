"""Reads for practice (练习), the 错题本 and mock papers.

Which questions are open for practice is the trainers' choice per category
(``QuestionCategory.open_for_practice``); a subcategory follows its parent, so a question
is open when its category or any category above it is. Every page here costs the same
few queries whatever the size of the bank or of the learner's book.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Length, Substr
from django.utils import timezone
from taggit.models import Tag

from core.db import QueryTemplate
from exams import qtypes
from exams.models import Mistake, MockItem, MockPaper, Question, QuestionCategory, QuestionVersion
from exams.selectors.attempts import PageItem, question_item, reveal_key

SEQUENCE, RANDOM = "seq", "random"


def open_paths() -> list[str]:
    """The tree paths of the categories trainers opened for practice (one query)."""
    return list(QuestionCategory.objects.filter(open_for_practice=True).values_list("path", flat=True))


def _under(paths: list[str], prefix: str = "category__path") -> Q:
    if not paths:
        return Q(pk__in=[])
    rule = Q()
    for path in paths:
        rule |= Q(**{f"{prefix}__startswith": path})
    return rule


def _practice_version(*, version_id: int, question_id: int) -> QuerySet:
    return QuestionVersion.objects.annotate(
        open_for_practice=open_for_practice_expression(), question_type=F("question__type")
    ).filter(pk=version_id, question_id=question_id, question__is_archived=False)


#: The version a practice answer is for, with its question's type and whether practice is open for it
#: (compiled once per process: the practice page's hot path).
practice_version = QueryTemplate(_practice_version)


def open_for_practice_expression(category_path: str = "question__category__path") -> Exists:
    """Whether the category at ``category_path`` (from the outer query) or one above it is open, as an expression."""
    prefix = Substr(OuterRef(category_path), 1, Length("path"))
    return Exists(
        QuestionCategory.objects.filter(open_for_practice=True).annotate(prefix=prefix).filter(path=F("prefix"))
    )


def practice_questions(paths: list[str] | None = None) -> QuerySet:
    """Questions a learner may practise: in an open category, not archived, with content."""
    paths = open_paths() if paths is None else paths
    return Question.objects.filter(_under(paths), is_archived=False, current_version__isnull=False)


@dataclass
class ChapterRow:
    chapter_id: int
    title: str
    total: int


@dataclass
class LawRow:
    law_id: int
    name: str
    total: int
    done: int
    right: int
    chapters: list[ChapterRow] = field(default_factory=list)

    @property
    def done_percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


@dataclass
class Overview:
    laws: list[LawRow]
    categories: list[tuple[QuestionCategory, int]]
    tags: list[tuple[str, str, int]]
    total: int


def practice_overview(user) -> Overview:
    """The practice page: per law the learner's progress (done / right) and its chapters, the open
    categories and the tags, each with its number of questions (five queries)."""
    paths = open_paths()
    questions = practice_questions(paths)
    mine = Q(practice_records__user=user)
    law_rows = (
        questions.filter(law_articles__isnull=False)
        .values("law_articles__version__law_id", "law_articles__version__law__short_name")
        .annotate(
            total=Count("pk", distinct=True),
            done=Count("pk", distinct=True, filter=mine),
            right=Count("pk", distinct=True, filter=mine & Q(practice_records__last_correct=True)),
        )
        .order_by("law_articles__version__law__short_name")
    )
    laws = {
        row["law_articles__version__law_id"]: LawRow(
            row["law_articles__version__law_id"],
            row["law_articles__version__law__short_name"],
            row["total"],
            row["done"],
            row["right"],
        )
        for row in law_rows
    }
    chapter_rows = (
        questions.filter(law_articles__chapter__isnull=False)
        .values(
            "law_articles__version__law_id",
            "law_articles__chapter_id",
            "law_articles__chapter__number_text",
            "law_articles__chapter__title",
            "law_articles__chapter__position",
        )
        .annotate(total=Count("pk", distinct=True))
        .order_by("law_articles__chapter__position")
    )
    for row in chapter_rows:
        law = laws.get(row["law_articles__version__law_id"])
        if law is not None:
            title = f"{row['law_articles__chapter__number_text']} {row['law_articles__chapter__title']}".strip()
            law.chapters.append(ChapterRow(row["law_articles__chapter_id"], title, row["total"]))
    counts = dict(questions.values_list("category_id").annotate(n=Count("pk")).order_by())
    categories = [
        (category, counts.get(category.pk, 0))
        for category in QuestionCategory.objects.filter(_under(paths, "path")).order_by("path")
    ]
    # A parent counts the questions of its subtree.
    by_path = {c.path: c for c, _n in categories}
    totals = {c.pk: 0 for c, _n in categories}
    for category, own in categories:
        for end in range(QuestionCategory.steplen, len(category.path) + 1, QuestionCategory.steplen):
            ancestor = by_path.get(category.path[:end])
            if ancestor is not None:
                totals[ancestor.pk] += own
    tags = list(
        Tag.objects.filter(exams_questiontag_items__content_object__in=questions)
        .annotate(n=Count("exams_questiontag_items", distinct=True))
        .order_by("-n", "name")
        .values_list("name", "slug", "n")[:30]
    )
    return Overview(
        laws=list(laws.values()),
        categories=[(c, totals[c.pk]) for c, _n in categories if totals[c.pk]],
        tags=tags,
        total=sum(counts.values()),
    )


@dataclass(frozen=True)
class PracticeFilter:
    """What the learner chose to practise: a law (and chapter), a category or a tag; in order or at random."""

    law: int | None = None
    chapter: int | None = None
    category: int | None = None
    tag: str = ""
    order: str = SEQUENCE

    @classmethod
    def from_query(cls, data) -> PracticeFilter:
        def number(name):
            value = (data.get(name) or "").strip()
            return int(value) if value.isdigit() and len(value) < 12 else None

        order = data.get("order") if data.get("order") in (SEQUENCE, RANDOM) else SEQUENCE
        return cls(number("law"), number("chapter"), number("category"), (data.get("tag") or "")[:100], order)

    def as_query(self) -> dict[str, str]:
        values = {"law": self.law, "chapter": self.chapter, "category": self.category, "tag": self.tag}
        return {k: str(v) for k, v in values.items() if v} | {"order": self.order}

    def apply(self, questions: QuerySet) -> QuerySet:
        if self.law:
            questions = questions.filter(law_articles__version__law_id=self.law)
        if self.chapter:
            questions = questions.filter(law_articles__chapter_id=self.chapter)
        if self.category:
            path = QuestionCategory.objects.filter(pk=self.category).values("path")[:1]
            questions = questions.filter(category__path__startswith=path)
        if self.tag:
            questions = questions.filter(tags__slug=self.tag)
        return questions.distinct()


@dataclass
class PracticeQuestion:
    question_id: int
    version_id: int
    item: PageItem
    total: int
    number: int


def practice_order(version: QuestionVersion, qtype: str) -> list[str]:
    """The option order practice shows a version in: the stored order, except where the type always
    shuffles (ordering), then one fixed shuffle per version, so that the answer posted back reads the
    same order the page showed."""
    return qtypes.get(qtype).freeze(version.options, shuffle_options=False, rng=random.Random(version.pk))


def practice_item(version: QuestionVersion, *, position: int = 1, response=None, qtype: str = "") -> PageItem:
    qtype = qtype or version.question.type
    order = practice_order(version, qtype)
    return question_item(
        position=position,
        qtype=qtype,
        option_order=order,
        points=version.points,
        stem=version.stem,
        options=version.options,
        response=response,
    )


def next_question(flt: PracticeFilter, *, after: int | None = None, pin: int | None = None) -> PracticeQuestion | None:
    """The next question of the chosen set: in order after ``after``, or a random one other than it;
    ``pin`` asks for one question of the set again (after an answer was refused)."""
    questions = flt.apply(practice_questions())
    ids = list(questions.order_by("pk").values_list("pk", flat=True))
    if not ids:
        return None
    if pin in ids:
        chosen = pin
    elif flt.order == RANDOM:
        choices = [qid for qid in ids if qid != after] or ids
        chosen = secrets.choice(choices)
    else:
        later = [qid for qid in ids if after is None or qid > after]
        if not later:
            return None
        chosen = later[0]
    question = Question.objects.select_related("current_version").get(pk=chosen)
    version = question.current_version
    version.question = question
    return PracticeQuestion(chosen, version.pk, practice_item(version), len(ids), ids.index(chosen) + 1)


@dataclass
class MistakeEntry:
    question_id: int
    stem: str
    qtype_label: str
    times_missed: int
    source_label: str
    last_missed_at: object


@dataclass
class MistakeGroup:
    name: str
    entries: list[MistakeEntry]


def visible_mistakes(user, *, now=None) -> QuerySet:
    """The learner's open mistakes that may be shown now (an exam's only once its review opened)."""
    now = now or timezone.now()
    return Mistake.objects.filter(user=user, resolved_at__isnull=True).filter(
        Q(visible_from__isnull=True) | Q(visible_from__lte=now)
    )


def mistake_book(user, *, now=None) -> tuple[list[MistakeGroup], int]:
    """The learner's 错题本 grouped by the laws its questions test (three queries), and how many were cleared."""
    mistakes = list(
        visible_mistakes(user, now=now)
        .select_related("question__current_version")
        .prefetch_related("question__law_articles__version__law")
        .order_by("-last_missed_at", "pk")
    )
    cleared = Mistake.objects.filter(user=user, resolved_at__isnull=False).count()
    labels = {value: str(label) for value, label in Mistake.Source.choices}
    types = {value: str(label) for value, label in qtypes.type_choices()}
    groups: dict[str, list[MistakeEntry]] = {}
    for mistake in mistakes:
        question = mistake.question
        version = question.current_version
        if version is None:
            continue
        laws = sorted({str(a.version.law) for a in question.law_articles.all()})
        entry = MistakeEntry(
            question.pk,
            qtypes.get(question.type).learner_stem(version.stem),
            types.get(question.type, question.type),
            mistake.times_missed,
            labels.get(mistake.source, mistake.source),
            mistake.last_missed_at,
        )
        for law in laws or [""]:
            groups.setdefault(law, []).append(entry)
    ordered = sorted(groups.items(), key=lambda pair: (pair[0] == "", pair[0]))
    return [MistakeGroup(name, entries) for name, entries in ordered], cleared


def mistake_to_redo(user, question_id: int) -> tuple[QuestionVersion, PageItem] | None:
    """The question of one open mistake, as a fresh question to answer (``None``: not in the book)."""
    mistake = (
        visible_mistakes(user)
        .select_related("question__current_version")
        .filter(question_id=question_id, question__current_version__isnull=False)
        .first()
    )
    if mistake is None:
        return None
    version = mistake.question.current_version
    version.question = mistake.question
    return version, practice_item(version)


@dataclass
class MockPage:
    paper: MockPaper
    items: list[PageItem]


def mock_page(paper_id: int, user) -> MockPage | None:
    """A mock paper for its learner: to answer (no key) or, once submitted, reviewed with the key."""
    paper = MockPaper.objects.select_related("exam").filter(pk=paper_id, user=user).first()
    if paper is None:
        return None
    rows = (
        MockItem.objects.filter(paper=paper)
        .select_related("question_version")
        .order_by("position")
        .only(
            "position",
            "qtype",
            "option_order",
            "points",
            "response",
            "score",
            "question_version__stem",
            "question_version__options",
            "question_version__accepted_answers",
            "question_version__explanation",
            "question_version__data",
        )
    )
    items = []
    for row in rows:
        version = row.question_version
        item = question_item(
            position=row.position,
            qtype=row.qtype,
            option_order=row.option_order,
            points=row.points,
            stem=version.stem,
            options=version.options,
            response=row.response,
        )
        if paper.submitted_at is not None:
            item.score = row.score
            reveal_key(
                item,
                option_order=row.option_order,
                options=version.options,
                accepted_answers=version.accepted_answers,
                explanation=version.explanation,
                data=version.data,
            )
        items.append(item)
    return MockPage(paper, items)
