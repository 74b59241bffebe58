"""Writing to the question bank: the versioning rule and its validation live here.

The rule (issue 5): a question version that an attempt has shown is never
changed again. ``save_question`` edits the current version in place while no
attempt uses it and writes a new version otherwise; an unchanged save writes
nothing. Every path that writes questions (admin form, imports) comes through
here, so the rule has one home.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail.log_actions import log

from accounts import audit
from core.html import validate_html
from exams import qtypes
from exams.models import (
    Difficulty,
    Question,
    QuestionCategory,
    QuestionVersion,
)
from exams.models.questions import CATEGORY_SEPARATOR
from exams.richtext import html_to_text, sanitize_html

#: Reverse relations from QuestionVersion that mean "an attempt has shown this version".
#: ``attempt_items`` is the related_name of the attempt's frozen paper rows.
USAGE_RELATIONS: tuple[str, ...] = ("attempt_items",)
MAX_POINTS = Decimal("1000")
CENT = Decimal("0.01")
DEFAULT_CATEGORY = "未分类"


@dataclass
class QuestionContent:
    """What a version holds; two saves with equal content make no new version."""

    stem: str
    options: list[dict] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    points: Decimal = Decimal("1")
    difficulty: str = Difficulty.MEDIUM
    explanation: str = ""
    data: dict = field(default_factory=dict)

    @classmethod
    def of(cls, version: QuestionVersion) -> QuestionContent:
        return cls(
            stem=version.stem,
            options=list(version.options),
            accepted_answers=list(version.accepted_answers),
            points=Decimal(version.points),
            difficulty=version.difficulty,
            explanation=version.explanation,
            data=dict(version.data or {}),
        )


# --- content, by the question's type ------------------------------------------


def validate_content(qtype: str, content: QuestionContent) -> None:
    """Raise ``ValidationError`` (field → messages, in Chinese) if the content cannot be saved."""
    errors: dict[str, list[str]] = {}
    kind = qtypes.find(qtype)
    if kind is None:
        raise ValidationError({"type": _("未知题型“%(t)s”。") % {"t": qtype}})
    if not html_to_text(content.stem) and "<img" not in content.stem:
        errors.setdefault("stem", []).append(_("题干不能为空。"))
    if content.points is None or content.points <= 0 or content.points > MAX_POINTS:
        errors.setdefault("points", []).append(_("分值应大于 0 且不超过 1000。"))
    if content.difficulty not in Difficulty.values:
        errors.setdefault("difficulty", []).append(_("难度无效。"))
    for name in ("stem", "explanation"):  # nothing a reader's browser would fetch from another site
        try:
            validate_html(getattr(content, name))
        except ValidationError as exc:
            errors.setdefault(name, []).extend(exc.messages)
    kind.validate(
        stem=content.stem, options=content.options, accepted=content.accepted_answers, data=content.data, errors=errors
    )
    if errors:
        raise ValidationError(errors)


def build_content(
    *,
    qtype: str,
    stem: str,
    options: Sequence[dict] = (),
    accepted_answers: Iterable[str] = (),
    points=Decimal("1"),
    difficulty: str = Difficulty.MEDIUM,
    explanation: str = "",
    data: dict | None = None,
) -> QuestionContent:
    """Normalise raw input into the stored shape (sanitised HTML, the type's options and data, cents)."""
    try:
        points = Decimal(str(points)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": _("分值“%(v)s”不是数字。") % {"v": points}}) from None
    kind = qtypes.find(qtype)
    if kind is None:
        raise ValidationError({"type": _("未知题型“%(t)s”。") % {"t": qtype}})
    stem = sanitize_html(stem)
    try:
        stored, accepted, stored_data = kind.normalise(
            stem=stem, options=list(options), accepted=[str(a) for a in accepted_answers], data=dict(data or {})
        )
    except ValueError as exc:
        raise ValidationError({"options": str(exc)}) from None
    return QuestionContent(
        stem=stem,
        options=stored,
        accepted_answers=accepted,
        points=points,
        difficulty=difficulty or Difficulty.MEDIUM,
        explanation=sanitize_html(explanation),
        data=stored_data,
    )


# --- usage and categories ----------------------------------------------------


def is_version_used(version: QuestionVersion) -> bool:
    """Whether any attempt has this version on its paper (then it must never change)."""
    for name in USAGE_RELATIONS:
        try:
            QuestionVersion._meta.get_field(name)
        except FieldDoesNotExist:
            continue
        if getattr(version, name).exists():
            return True
    return False


def split_category_path(path: str) -> list[str]:
    return [p.strip() for p in (path or "").replace("\\", "/").split(CATEGORY_SEPARATOR) if p.strip()]


def ensure_category(path: str | Sequence[str], *, description: str = "") -> QuestionCategory:
    """The category at ``path`` ("法律知识/行政处罚法"), creating missing nodes."""
    parts = split_category_path(path) if isinstance(path, str) else [p for p in path if p]
    parts = parts or [DEFAULT_CATEGORY]
    node = None
    for depth, name in enumerate(parts, start=1):
        name = name.replace(CATEGORY_SEPARATOR, "／")[:100]
        siblings = QuestionCategory.get_root_nodes() if node is None else node.get_children()
        found = siblings.filter(name=name).first()
        if found is None:
            desc = description if depth == len(parts) else ""
            found = (
                QuestionCategory.add_root(name=name, description=desc)
                if node is None
                else node.add_child(name=name, description=desc)
            )
        node = found
    return node


# --- the write ---------------------------------------------------------------


def _content_equal(version: QuestionVersion, content: QuestionContent) -> bool:
    return QuestionContent.of(version) == content


@transaction.atomic
def save_question(
    *,
    question: Question | None = None,
    category: QuestionCategory,
    qtype: str,
    stem: str,
    options: Sequence[dict] = (),
    accepted_answers: Iterable[str] = (),
    points=Decimal("1"),
    difficulty: str = Difficulty.MEDIUM,
    explanation: str = "",
    data: dict | None = None,
    name: str = "",
    idnumber: str = "",
    tags: Iterable[str] | None = None,
    law_articles: Iterable | None = None,
    is_archived: bool = False,
    user=None,
) -> Question:
    """Create a question or save an edit, versioning it when the current version is in use.

    The version row is locked ``FOR UPDATE`` before the usage check: on
    PostgreSQL an attempt that is inserting a row pointing at this version holds
    a key-share lock on it, so the check and an in-place edit cannot interleave
    with a paper being frozen.
    """
    content = build_content(
        qtype=qtype,
        stem=stem,
        options=options,
        accepted_answers=accepted_answers,
        points=points,
        difficulty=difficulty,
        explanation=explanation,
        data=data,
    )
    validate_content(qtype, content)
    if question is None:
        question = Question.objects.create(
            category=category,
            type=qtype,
            name=name[:255],
            idnumber=idnumber[:100],
            created_by=user,
            is_archived=is_archived,
        )
        version = QuestionVersion.objects.create(question=question, number=1, created_by=user, **vars(content))
        question.current_version = version
        question.save(update_fields=["current_version"])
    else:
        question = Question.objects.select_for_update().get(pk=question.pk)
        current = QuestionVersion.objects.select_for_update().get(pk=question.current_version_id)
        used = is_version_used(current)
        if qtype != question.type and used:
            raise ValidationError({"type": _("该题已被考试使用，不能修改题型；请新建题目。")})
        if not _content_equal(current, content) or qtype != question.type:
            if used:
                version = QuestionVersion.objects.create(
                    question=question, number=current.number + 1, created_by=user, **vars(content)
                )
                question.current_version = version
            else:
                for attr, value in vars(content).items():
                    setattr(current, attr, value)
                current.created_by = user
                current.save()
        question.category = category
        question.type = qtype
        question.name = name[:255]
        question.idnumber = idnumber[:100]
        question.is_archived = is_archived
        question.save()
    if tags is not None:
        question.tags.set([t.strip()[:100] for t in tags if t and t.strip()], clear=False)
    if law_articles is not None:
        question.law_articles.set(list(law_articles))
    return question


@transaction.atomic
def save_category(
    *,
    category: QuestionCategory | None = None,
    name: str,
    parent: QuestionCategory | None = None,
    description: str = "",
    open_for_practice: bool | None = None,
) -> QuestionCategory:
    """Create, rename or move a category; the stored full paths of its subtree follow.

    ``open_for_practice`` opens the category and its subcategories to learners' practice (``None``: unchanged).
    """
    name = (name or "").strip().replace(CATEGORY_SEPARATOR, "／")
    if not name:
        raise ValidationError({"name": _("名称不能为空。")})
    siblings = QuestionCategory.get_root_nodes() if parent is None else parent.get_children()
    if siblings.filter(name=name).exclude(pk=getattr(category, "pk", None)).exists():
        raise ValidationError({"name": _("同一上级下已有名为“%(n)s”的分类。") % {"n": name}})
    if category is None:
        values = {"name": name, "description": description, "open_for_practice": bool(open_for_practice)}
        return QuestionCategory.add_root(**values) if parent is None else parent.add_child(**values)
    category = QuestionCategory.objects.get(pk=category.pk)
    if parent is not None and (parent.pk == category.pk or parent.is_descendant_of(category)):
        raise ValidationError({"parent": _("不能把分类移到它自己或它的下级分类之下。")})
    current_parent = category.get_parent()
    if getattr(current_parent, "pk", None) != getattr(parent, "pk", None):
        if parent is None:
            category.move(QuestionCategory.get_first_root_node(), pos="sorted-sibling")
        else:
            category.move(parent, pos="sorted-child")
        category = QuestionCategory.objects.get(pk=category.pk)
    category.name = name
    category.description = description
    if open_for_practice is not None:
        category.open_for_practice = open_for_practice
    category.save()
    for node in category.get_descendants().order_by("depth"):
        node.save(update_fields=["full_path"])
    return category


@dataclass
class NewQuestion:
    """One question to create in bulk (imports); content already built by ``build_content``."""

    category: QuestionCategory
    qtype: str
    content: QuestionContent
    name: str = ""
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    law_articles: list = field(default_factory=list)
    is_archived: bool = False


@transaction.atomic
def create_questions(*, items: Sequence[NewQuestion], user=None) -> list[Question]:
    """Create many new questions (version 1 each) in a handful of statements.

    A new question has no attempt yet, so the versioning rule has nothing to
    decide; this is ``save_question``'s create path, in bulk, for imports of
    thousands of questions inside one request.
    """
    from taggit.models import Tag

    from exams.models import QuestionTag

    for item in items:
        validate_content(item.qtype, item.content)
    questions = Question.objects.bulk_create(
        [
            Question(
                category=item.category,
                type=item.qtype,
                name=item.name[:255],
                idnumber=item.idnumber[:100],
                created_by=user,
                is_archived=item.is_archived,
            )
            for item in items
        ]
    )
    versions = QuestionVersion.objects.bulk_create(
        [
            QuestionVersion(question=question, number=1, created_by=user, **vars(item.content))
            for question, item in zip(questions, items, strict=True)
        ]
    )
    for question, version in zip(questions, versions, strict=True):
        question.current_version = version
    Question.objects.bulk_update(questions, ["current_version"])
    names = {t.strip()[:100] for item in items for t in item.tags if t and t.strip()}
    tags = {t.name: t for t in Tag.objects.filter(name__in=names)}
    for name in sorted(names - tags.keys()):
        tags[name] = Tag.objects.create(name=name)
    QuestionTag.objects.bulk_create(
        [
            QuestionTag(content_object=question, tag=tags[name])
            for question, item in zip(questions, items, strict=True)
            for name in dict.fromkeys(t.strip()[:100] for t in item.tags if t and t.strip())
        ]
    )
    through = Question.law_articles.through
    through.objects.bulk_create(
        [
            through(question_id=question.pk, lawarticle_id=article.pk)
            for question, item in zip(questions, items, strict=True)
            for article in {a.pk: a for a in item.law_articles}.values()
        ]
    )
    return questions


# --- bulk edits from the question list ------------------------------------------


def _bulk_audit(*, questions: Sequence[Question], user, action: str, summary: str, details: dict) -> None:
    """One audit-trail row for the whole action, and the usual history entry on each question."""
    audit.record(
        actor=user,
        action=action,
        summary=summary,
        details={**details, "questions": [q.pk for q in questions]},
    )
    for question in questions:
        log(instance=question, action="wagtail.edit", user=user, data={"bulk": action, **details})


def parse_tag_names(text: str) -> list[str]:
    """ "重点, 行政处罚法；2026" → the tag names, in order, without repeats (separators: , ， ; ；)."""
    names = [part.strip()[:100] for part in re.split(r"[,，;；\n]+", text or "")]
    return list(dict.fromkeys(name for name in names if name))


@transaction.atomic
def move_questions(*, questions: Sequence[Question], category: QuestionCategory, user) -> int:
    """Put ``questions`` into ``category``; their versions (and so every attempt) are untouched."""
    moving = [q for q in questions if q.category_id != category.pk]
    Question.objects.filter(pk__in=[q.pk for q in moving]).update(category=category, updated_at=timezone.now())
    if moving:
        _bulk_audit(
            questions=moving,
            user=user,
            action="question_bulk_move",
            summary=_("批量移动 %(n)s 道题到分类“%(c)s”") % {"n": len(moving), "c": category.full_path},
            details={"category": category.full_path},
        )
    return len(moving)


@transaction.atomic
def tag_questions(*, questions: Sequence[Question], add: Iterable[str] = (), remove: Iterable[str] = (), user) -> int:
    """Add and/or remove tags on ``questions``; returns how many questions changed."""
    from taggit.models import Tag

    from exams.models import QuestionTag

    add, remove = list(dict.fromkeys(add)), list(dict.fromkeys(remove))
    if not add and not remove:
        raise ValidationError({"tags": _("请填写标签。")})
    ids = [q.pk for q in questions]
    changed: set[int] = set()
    if remove:
        rows = QuestionTag.objects.filter(content_object_id__in=ids, tag__name__in=remove)
        changed.update(rows.values_list("content_object_id", flat=True))
        rows.delete()
    if add:
        tags = {t.name: t for t in Tag.objects.filter(name__in=add)}
        for name in add:
            if name not in tags:
                tags[name] = Tag.objects.create(name=name)
        have = set(
            QuestionTag.objects.filter(content_object_id__in=ids, tag__in=tags.values()).values_list(
                "content_object_id", "tag_id"
            )
        )
        new = [
            QuestionTag(content_object_id=qid, tag=tags[name])
            for qid in ids
            for name in add
            if (qid, tags[name].pk) not in have
        ]
        QuestionTag.objects.bulk_create(new)
        changed.update(row.content_object_id for row in new)
    touched = [q for q in questions if q.pk in changed]
    if touched:
        Question.objects.filter(pk__in=changed).update(updated_at=timezone.now())
        _bulk_audit(
            questions=touched,
            user=user,
            action="question_bulk_tag",
            summary=_("批量修改 %(n)s 道题的标签") % {"n": len(touched)},
            details={"added": add, "removed": remove},
        )
    return len(touched)


@transaction.atomic
def set_questions_archived(*, questions: Sequence[Question], archived: bool, user) -> int:
    """Archive (drawing rules no longer draw them; papers and attempts keep them) or unarchive."""
    changing = [q for q in questions if q.is_archived != archived]
    Question.objects.filter(pk__in=[q.pk for q in changing]).update(is_archived=archived, updated_at=timezone.now())
    if changing:
        summary = _("批量归档 %(n)s 道题") if archived else _("批量取消归档 %(n)s 道题")
        _bulk_audit(
            questions=changing,
            user=user,
            action="question_bulk_archive" if archived else "question_bulk_unarchive",
            summary=summary % {"n": len(changing)},
            details={"archived": archived},
        )
    return len(changing)
