"""Importing and exporting question banks: all-or-nothing, errors by question and line.

``import_questions`` reads the whole file, validates every question with the same
rules the editor uses (``validate_content``), resolves law citations, and only
when nothing is wrong writes everything in one transaction. A dry run stops
before writing and returns the preview and warnings the user confirms.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts import audit
from cms.models import LawArticle
from core.xlsx import ProblemList
from exams import qtypes
from exams.formats import aiken, gift, moodle_xml, xlsx
from exams.formats.base import (
    ERROR,
    UNSUPPORTED,
    WARNING,
    DraftQuestion,
    FormatError,
    Issue,
    ParseResult,
    question_label,
)
from exams.models import DuplicatePolicy, PendingQuestionImport, Question, QuestionCategory
from exams.selectors.questions import (
    DuplicateMatch,
    ImportCandidate,
    find_duplicates,
    format_citation,
    questions_for_export,
    resolve_citation,
)
from exams.services.questions import (
    NewQuestion,
    build_content,
    create_questions,
    ensure_category,
    save_question,
    split_category_path,
    validate_content,
)
from jobs.imports import KEEP_FAILED_UPLOADS
from jobs.models import Job

FORMATS = {
    "xlsx": ("Excel 模板 (.xlsx)", xlsx.parse),
    "moodle-xml": ("Moodle XML (.xml)", moodle_xml.parse),
    "gift": ("GIFT (.txt / .gift)", gift.parse),
    "aiken": ("Aiken (.txt)", aiken.parse),
}
#: How many questions a file holds, counted without reading them (``None``: cannot tell before parsing).
COUNTERS = {
    "xlsx": xlsx.count_questions,
    "moodle-xml": moodle_xml.count_questions,
    "gift": gift.count_questions,
    "aiken": aiken.count_questions,
}
EXPORT_FORMATS = {
    "xlsx": ("Excel (.xlsx)", ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "moodle-xml": ("Moodle XML (.xml)", ".xml", "application/xml; charset=utf-8"),
    "gift": ("GIFT (.txt)", ".gift.txt", "text/plain; charset=utf-8"),
}


@dataclass
class PreviewRow:
    label: str
    line: int | None
    type_label: str
    category: str
    points: str
    answer: str


@dataclass
class ImportOutcome:
    """``errors`` and ``warnings`` keep the first ``MAX_IMPORT_PROBLEMS_LISTED`` each; ``.total`` counts all."""

    dry_run: bool
    errors: ProblemList = field(default_factory=ProblemList)
    warnings: ProblemList = field(default_factory=ProblemList)
    preview: list[PreviewRow] = field(default_factory=list)
    created: int = 0
    categories: list[str] = field(default_factory=list)
    by_type: dict[str, int] = field(default_factory=dict)
    #: How many questions go into each category path.
    by_category: dict[str, int] = field(default_factory=dict)
    #: Questions of the file the bank already holds (``find_duplicates``), and what the import did with them.
    duplicates: list[DuplicateMatch] = field(default_factory=list)
    skipped: int = 0
    versioned: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_json(self) -> dict:
        """What the page shows of a check, kept with the staged file (a background check's result)."""
        return {
            "rows": [[r.label, r.line, r.type_label, r.category, r.points, r.answer] for r in self.preview],
            "errors": [str(issue) for issue in self.errors],
            "errors_total": self.errors.total,
            "warnings": [str(issue) for issue in self.warnings],
            "warnings_total": self.warnings.total,
            "categories": self.categories,
            # Pairs, not objects: PostgreSQL's jsonb does not keep the order of an object's keys.
            "by_type": list(self.by_type.items()),
            "by_category": list(self.by_category.items()),
            "duplicates": [d.as_json() for d in self.duplicates],
        }

    @classmethod
    def from_json(cls, data: dict) -> ImportOutcome:
        def problems(items: list[str], total: int) -> ProblemList:
            kept = ProblemList(items, limit=max(len(items), 1))
            kept.total = total
            return kept

        return cls(
            dry_run=True,
            errors=problems(data["errors"], data["errors_total"]),
            warnings=problems(data["warnings"], data["warnings_total"]),
            preview=[PreviewRow(*row) for row in data["rows"]],
            categories=data["categories"],
            by_type=dict(data["by_type"]),
            by_category=dict(data["by_category"]),
            duplicates=[DuplicateMatch.from_json(row) for row in data.get("duplicates", [])],
        )


class QuestionImportFailed(Exception):
    """Nothing was imported; ``outcome.errors`` says why (question and line)."""

    def __init__(self, outcome: ImportOutcome):
        self.outcome = outcome
        super().__init__("\n".join(outcome.errors.lines()))


def _answer_summary(draft: DraftQuestion, content) -> str:
    """The key in one line, as the preview shows it (the type says how)."""
    return qtypes.get(draft.qtype).key_text(
        option_order=[o["key"] for o in content.options],
        options=content.options,
        accepted=content.accepted_answers,
        data=content.data,
    )


def _read(data: bytes, fmt: str) -> ParseResult:
    if fmt not in FORMATS:
        raise FormatError(_("不支持的格式“%(f)s”。") % {"f": fmt})
    if len(data) > settings.MAX_IMPORT_FILE_BYTES:
        raise FormatError(
            _("文件过大（%(s)s MB），上限为 %(m)s MB。")
            % {"s": round(len(data) / 1048576, 1), "m": settings.MAX_IMPORT_FILE_BYTES // 1048576}
        )
    return FORMATS[fmt][1](data)


def import_questions(
    *,
    data: bytes,
    fmt: str,
    base_category: str = "",
    dry_run: bool = False,
    skip_unsupported: bool = False,
    duplicate_policy: str = DuplicatePolicy.SKIP,
    user=None,
) -> ImportOutcome:
    """Check the whole file; unless ``dry_run``, import it in one transaction.

    Questions the bank already holds are listed in ``outcome.duplicates`` and handled by
    ``duplicate_policy`` (see ``_import_duplicates``). Raises ``QuestionImportFailed`` (nothing written) when any question is wrong
    or — unless ``skip_unsupported`` — of a type we cannot represent.
    """
    outcome = ImportOutcome(dry_run=dry_run)
    try:
        parsed = _read(data, fmt)
    except FormatError as exc:
        outcome.errors.append(exc.issue)
        raise QuestionImportFailed(outcome) from None
    for issue in parsed.issues:
        if issue.level == ERROR or (issue.level == UNSUPPORTED and not skip_unsupported):
            outcome.errors.append(issue)
        else:
            if issue.level == UNSUPPORTED:
                issue = Issue(issue.message + _("（已按要求跳过）"), issue.line, issue.question, WARNING)
            outcome.warnings.append(issue)
    base = split_category_path(base_category)
    checked = []
    citations: dict[str, LawArticle | None] = {}  # a bank cites the same articles again and again: one query each
    for draft in parsed.questions:
        content, articles = _check(draft, outcome, citations)
        if content is not None:
            checked.append((draft, content, articles))
    if not checked and not outcome.errors:
        outcome.errors.append(Issue(_("文件中没有可导入的题目。")))
    if outcome.errors:
        raise QuestionImportFailed(outcome)
    paths = []
    for draft, content, _articles in checked:
        path = "/".join(base + draft.category) or "未分类"
        paths.append(path)
        outcome.preview.append(
            PreviewRow(
                label=draft.label,
                line=draft.line,
                type_label=str(qtypes.get(draft.qtype).label),
                category=path,
                points=format(content.points, "f"),
                answer=_answer_summary(draft, content),
            )
        )
    outcome.by_type = dict(Counter(row.type_label for row in outcome.preview))
    outcome.by_category = dict(Counter(paths))
    existing = set(QuestionCategory.objects.filter(full_path__in=set(paths)).values_list("full_path", flat=True))
    outcome.categories = sorted(set(paths) - existing)
    outcome.duplicates = find_duplicates(
        [
            ImportCandidate(i, draft.label, draft.line, path, draft.qtype, draft.idnumber, content)
            for i, ((draft, content, _articles), path) in enumerate(zip(checked, paths, strict=True))
        ]
    )
    if dry_run:
        return outcome
    with transaction.atomic():
        checked, paths = _import_duplicates(checked, paths, outcome, policy=duplicate_policy, user=user)
        categories: dict[str, QuestionCategory] = {}
        items = []
        for (draft, content, articles), path in zip(checked, paths, strict=True):
            if path not in categories:
                categories[path] = _category_with_descriptions(base, draft.category, parsed.category_descriptions)
            items.append(
                NewQuestion(
                    category=categories[path],
                    qtype=draft.qtype,
                    content=content,
                    name=draft.name,
                    idnumber=draft.idnumber,
                    tags=draft.tags,
                    law_articles=articles,
                    is_archived=draft.is_archived,
                )
            )
        outcome.created = len(create_questions(items=items, user=user))
    return outcome


def _category_with_descriptions(
    base: list[str], parts: list[str], descriptions: dict[tuple[str, ...], str]
) -> QuestionCategory:
    """The category at ``base + parts``; it and each ancestor the file describes get that description.

    A description the bank already has is kept; an empty one is filled from the file
    (Moodle files describe a parent category in an entry of its own, often with no
    question directly in it).
    """
    node = None
    for depth in range(1, len(parts) + 1):
        description = descriptions.get(tuple(parts[:depth]), "")
        if not description and depth < len(parts):
            continue
        node = ensure_category(base + parts[:depth], description=description)
        if description and not node.description:
            QuestionCategory.objects.filter(pk=node.pk).update(description=description)
            node.description = description
    return node if node is not None else ensure_category(base + parts)


def _import_duplicates(checked: list, paths: list[str], outcome: ImportOutcome, *, policy: str, user):
    """Apply the trainer's choice for the file's questions the bank already holds; return the rest to create.

    ``skip``: they are not imported. ``version``: each becomes the existing question's new content
    through ``save_question`` (a version an attempt has shown is never changed: it gets a new
    version, so old attempts keep theirs; identical content writes nothing). ``new``: they are
    created like any other question.
    """
    if policy not in DuplicatePolicy.values:
        raise ValueError(policy)
    if policy == DuplicatePolicy.NEW or not outcome.duplicates:
        return checked, paths
    matched = {d.index: d.question_id for d in outcome.duplicates}
    if policy == DuplicatePolicy.VERSION:
        existing = Question.objects.select_related("category").in_bulk(set(matched.values()))
        for index, question_id in matched.items():
            draft, content, articles = checked[index]
            question = existing[question_id]
            save_question(
                question=question,
                category=question.category,
                qtype=draft.qtype,
                stem=content.stem,
                options=content.options,
                accepted_answers=content.accepted_answers,
                points=content.points,
                difficulty=content.difficulty,
                explanation=content.explanation,
                data=content.data,
                name=draft.name or question.name,
                idnumber=draft.idnumber or question.idnumber,
                tags=draft.tags,
                law_articles=articles or None,
                is_archived=question.is_archived,
                user=user,
            )
        outcome.versioned = len(matched)
    else:
        outcome.skipped = len(matched)
    rest = [i for i in range(len(checked)) if i not in matched]
    return [checked[i] for i in rest], [paths[i] for i in rest]


def _check(draft: DraftQuestion, outcome: ImportOutcome, citations: dict[str, LawArticle | None]):
    """Validate one draft with the editor's rules; collect its errors under its label and line."""
    try:
        content = build_content(
            qtype=draft.qtype,
            stem=draft.stem,
            options=draft.options,
            accepted_answers=draft.accepted_answers,
            points=draft.points,
            difficulty=draft.difficulty,
            explanation=draft.explanation,
            data=draft.data,
        )
        validate_content(draft.qtype, content)
    except ValidationError as exc:
        for messages in exc.message_dict.values():
            for message in messages:
                outcome.errors.append(Issue(message, draft.line, draft.label))
        return None, []
    if content.points != draft.points:
        outcome.warnings.append(
            Issue(
                _("分值 %(a)s 已取两位小数为 %(b)s。") % {"a": draft.points, "b": content.points},
                draft.line,
                draft.label,
                WARNING,
            )
        )
    articles = []
    for ref in draft.law_refs:
        if ref not in citations:
            citations[ref] = resolve_citation(ref)
        article = citations[ref]
        if article is None:
            outcome.errors.append(
                Issue(
                    _("「法条」列：法规库中找不到“%(r)s”（写法如“行政处罚法第五十九条”）。") % {"r": ref},
                    draft.line,
                    draft.label,
                )
            )
        else:
            articles.append(article)
    return content, articles


# --- export --------------------------------------------------------------------------


def export_questions(
    *, fmt: str, category: QuestionCategory | None = None, include_archived: bool = False, left_out: list | None = None
) -> bytes:
    """The bank (or one category subtree) in ``fmt``; paths are written relative to ``category``'s parent.

    Questions of a type the format cannot express are left out, never silently: each is named in
    ``left_out`` (when given: 「第 n 题」 labels with their type) and, in GIFT, in comments at the top.
    """
    if fmt not in EXPORT_FORMATS:
        raise ValueError(fmt)
    questions, skipped = [], []
    for question in questions_for_export(category, include_archived=include_archived):
        if qtypes.exportable(fmt, question.type):
            questions.append(question)
        else:
            skipped.append(
                _("%(q)s（%(t)s）")
                % {
                    "q": question_label(question.pk, question.name, question.current_version.stem),
                    "t": qtypes.get(question.type).label,
                }
            )
    if left_out is not None:
        left_out.extend(skipped)
    strip = len(split_category_path(category.full_path)) - 1 if category is not None else 0

    def category_of(question) -> list[str]:
        return split_category_path(question.category.full_path)[strip:]

    if fmt == "xlsx":
        return xlsx.export(questions, category_of=category_of, citation_of=format_citation)
    if fmt == "moodle-xml":
        prefix = split_category_path(category.full_path)[:strip] if category is not None else []
        descriptions = dict(QuestionCategory.objects.exclude(description="").values_list("full_path", "description"))

        def description_of(parts: list[str]) -> str:
            return descriptions.get("/".join(prefix + parts), "")

        return moodle_xml.export(questions, category_of=category_of, description_of=description_of)
    return gift.export(questions, category_of=category_of, left_out=skipped)


# --- the admin's two-step import (check → confirm) --------------------------------------

PENDING_TTL = timedelta(hours=2)


def count_questions(*, data: bytes, fmt: str) -> int | None:
    """How many questions the file holds, counted cheaply to choose between the request and a job."""
    if fmt not in COUNTERS or len(data) > settings.MAX_IMPORT_FILE_BYTES:
        return None  # refused at once by the check itself
    return COUNTERS[fmt](data)


def _forget_unconfirmed() -> None:
    """Delete staged files not confirmed within ``PENDING_TTL``, except those a job may still need.

    A job that is queued, running, or failed in a way a person may retry (within
    ``KEEP_FAILED_UPLOADS``, as the jobs app keeps uploads) still reads its file.
    """
    now = timezone.now()
    held = Q(job__status__in=Job.ACTIVE) | (
        Q(job__status=Job.Status.FAILED, job__finished_at__gte=now - KEEP_FAILED_UPLOADS)
        & ~Q(job__incident=Job.Incident.REFUSED)
    )
    PendingQuestionImport.objects.filter(created_at__lt=now - PENDING_TTL).exclude(held).delete()


def stage_import(
    *, data: bytes, fmt: str, base_category: str, skip_unsupported: bool, filename: str, user
) -> tuple[ImportOutcome, PendingQuestionImport]:
    """Dry-run the file; when it would import, keep it for the user to confirm the preview."""
    _forget_unconfirmed()
    outcome = import_questions(
        data=data, fmt=fmt, base_category=base_category, dry_run=True, skip_unsupported=skip_unsupported, user=user
    )
    pending = _keep(
        data=data,
        fmt=fmt,
        base_category=base_category,
        skip_unsupported=skip_unsupported,
        filename=filename,
        user=user,
        checked=True,
        question_count=len(outcome.preview),
        preview=outcome.as_json(),
    )
    return outcome, pending


def _keep(*, data: bytes, fmt: str, base_category: str, skip_unsupported: bool, filename: str, user, **state):
    return PendingQuestionImport.objects.create(
        token=uuid.uuid4(),
        user=user,
        format=fmt,
        base_category=base_category,
        skip_unsupported=skip_unsupported,
        filename=filename[:255],
        data=data,
        **state,
    )


def keep_unchecked(
    *, data: bytes, fmt: str, base_category: str, skip_unsupported: bool, filename: str, user, question_count: int
) -> PendingQuestionImport:
    """Keep a file too large to check inside the request; ``check_staged`` (a job) checks it."""
    _forget_unconfirmed()
    return _keep(
        data=data,
        fmt=fmt,
        base_category=base_category,
        skip_unsupported=skip_unsupported,
        filename=filename,
        user=user,
        question_count=question_count,
    )


def check_staged(pending: PendingQuestionImport) -> ImportOutcome:
    """Dry-run a kept file and store what the page shows; raises ``QuestionImportFailed`` (its errors stored too).

    Checking writes nothing but the staged row, so running it twice is harmless.
    The trainer's time to confirm counts from the end of the check.
    """
    try:
        outcome = import_questions(
            data=bytes(pending.data),
            fmt=pending.format,
            base_category=pending.base_category,
            dry_run=True,
            skip_unsupported=pending.skip_unsupported,
            user=pending.user,
        )
    except QuestionImportFailed as exc:
        PendingQuestionImport.objects.filter(pk=pending.pk).update(checked=False, preview=exc.outcome.as_json())
        raise
    PendingQuestionImport.objects.filter(pk=pending.pk).update(
        checked=True, question_count=len(outcome.preview), preview=outcome.as_json(), created_at=timezone.now()
    )
    return outcome


class PendingImportMissing(Exception):
    """The staged file is gone (already imported, expired, or someone else's)."""


def find_pending(*, token, user, checked: bool = False, lock: bool = False) -> PendingQuestionImport:
    """The user's staged file (not expired); ``checked``: only one whose check passed. Raises ``PendingImportMissing``."""
    staged = PendingQuestionImport.objects.filter(
        token=token, user=user, created_at__gte=timezone.now() - PENDING_TTL
    ).select_related("job")
    if checked:
        staged = staged.filter(checked=True)
    if lock:
        staged = staged.select_for_update(of=("self",))
    pending = staged.first()
    if pending is None:
        raise PendingImportMissing
    return pending


def import_staged(pending: PendingQuestionImport, *, user, job: Job | None = None) -> ImportOutcome:
    """Import a staged file, checked again (the bank may have changed since the preview), and audit it.

    The caller holds the transaction (and the row lock); ``QuestionImportFailed`` means nothing was written.
    """
    outcome = import_questions(
        data=bytes(pending.data),
        fmt=pending.format,
        base_category=pending.base_category,
        skip_unsupported=pending.skip_unsupported,
        duplicate_policy=pending.duplicate_policy,
        user=user,
    )
    details = {
        "format": pending.format,
        "created": outcome.created,
        "category": pending.base_category,
        "duplicates": pending.duplicate_policy,
        "skipped": outcome.skipped,
        "versioned": outcome.versioned,
    }
    if job is not None:
        details["job"] = job.pk
    audit.record(
        actor=user,
        action="question_import",
        summary=_("导入题库 %(file)s：%(n)s 题") % {"file": pending.filename, "n": outcome.created},
        details=details,
    )
    return outcome


def choose_duplicate_policy(*, token, user, policy: str) -> None:
    """Remember what the confirmed import does with the duplicates the preview listed (raises ``PendingImportMissing``)."""
    if policy not in DuplicatePolicy.values:
        raise ValueError(policy)
    pending = find_pending(token=token, user=user, checked=True)
    PendingQuestionImport.objects.filter(pk=pending.pk).update(duplicate_policy=policy)


@transaction.atomic
def confirm_import(*, token, user) -> ImportOutcome:
    """Import a staged file inside the request (a small one: see ``exams.jobs`` for large ones)."""
    pending = find_pending(token=token, user=user, checked=True, lock=True)
    outcome = import_staged(pending, user=user)
    pending.delete()
    return outcome
