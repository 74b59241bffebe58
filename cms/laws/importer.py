"""Import a directory of law texts into the law library, all or nothing for each file.

Why per file: one typo in one law must not keep every other law of the directory
out of the library. Each file is parsed and checked completely before anything of
it is written, and its writes (the version, its articles, the current-version flag,
the search index, the amendment flags of the content citing it) run in one
transaction of their own: a file goes in whole or not at all, and a refused file
is reported by name and line while the good files go in.

Re-importing is idempotent. A version is identified by law (the file name
without its date) and date; re-importing it updates rows in place, so article
ids and URLs stay the same, and a file whose bytes did not change is skipped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from cms.models import Law, LawArticle, LawChapter, LawSection, LawVersion
from cms.search import LAW_ARTICLE, SearchEntry, index_many, remove_objects

from .flags import record_amendments
from .parser import LawParseError, ParsedArticle, ParsedLaw, parse_law_file

#: README.md, SOURCES.md, LICENSE.md … describe a directory; they are not laws.
NOT_A_LAW_RE = re.compile(r"^([A-Z][A-Z0-9_.-]*|_.*)\.md$")
SUMMARY_NAMES = 10


class LawImportFailed(Exception):
    """The directory itself cannot be read (missing, no law files); ``errors`` say why. Nothing is written."""

    def __init__(self, errors: list[LawParseError | str]):
        self.errors = errors
        super().__init__("\n".join(str(error) for error in errors))


@dataclass
class ImportSummary:
    files: int = 0  # law files read, refused ones included
    files_imported: int = 0
    skipped: list[str] = field(default_factory=list)
    #: Files refused (nothing of them written), each problem with file name and line.
    refused: list[LawParseError] = field(default_factory=list)
    laws_created: int = 0
    versions_created: int = 0
    versions_updated: int = 0
    versions_unchanged: int = 0
    articles_created: int = 0
    articles_updated: int = 0
    articles_deleted: int = 0
    current_changed: list[str] = field(default_factory=list)
    documents_indexed: int = 0
    flags_raised: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.laws_created
            or self.versions_created
            or self.versions_updated
            or self.articles_created
            or self.articles_updated
            or self.articles_deleted
            or self.current_changed
            or self.documents_indexed
            or self.flags_raised
        )

    @property
    def refused_files(self) -> list[str]:
        return sorted({error.source_name for error in self.refused})

    def lines(self) -> list[str]:
        lines = [
            _("读取文件 %(files)d 个，导入 %(imported)d 个；新增法规 %(laws)d 部。")
            % {"files": self.files, "imported": self.files_imported, "laws": self.laws_created},
            _("版本：新增 %(created)d，更新 %(updated)d，未变 %(unchanged)d。")
            % {
                "created": self.versions_created,
                "updated": self.versions_updated,
                "unchanged": self.versions_unchanged,
            },
            _("条文：新增 %(created)d，更新 %(updated)d，删除 %(deleted)d；搜索索引更新 %(indexed)d 条。")
            % {
                "created": self.articles_created,
                "updated": self.articles_updated,
                "deleted": self.articles_deleted,
                "indexed": self.documents_indexed,
            },
        ]
        if self.current_changed:
            shown = "、".join(self.current_changed[:SUMMARY_NAMES])
            if len(self.current_changed) > SUMMARY_NAMES:
                shown += _(" 等 %(count)d 部") % {"count": len(self.current_changed)}
            lines.append(_("现行版本变更：%(laws)s。") % {"laws": shown})
        if self.flags_raised:
            lines.append(
                _("修订提醒：%(count)d 条，引用了已修订条文的课程和题目已提醒培训管理员处理。")
                % {"count": self.flags_raised}
            )
        if self.refused:
            lines.append(
                _("未导入的文件：%(files)s（问题见上，每个文件要么整份导入，要么不导入）。")
                % {"files": "、".join(self.refused_files)}
            )
        if self.skipped:
            lines.append(_("跳过的说明文件：%(files)s。") % {"files": "、".join(self.skipped)})
        return lines


def law_files(directory: Path) -> tuple[list[Path], list[str]]:
    """The law files under ``directory`` (recursively) and the names skipped as not laws."""
    files: list[Path] = []
    skipped: list[str] = []
    for path in sorted(directory.rglob("*.md")):
        if NOT_A_LAW_RE.match(path.name):
            skipped.append(path.name)
        else:
            files.append(path)
    return files, skipped


def parse_directory(directory: Path) -> tuple[list[ParsedLaw], list[str], list[LawParseError]]:
    """Parse every file: (the good ones, the names skipped as not laws, the problems of the refused ones).

    Raises ``LawImportFailed`` only when the directory itself cannot be used.
    """
    if not directory.is_dir():
        raise LawImportFailed([_("找不到法规目录：%(path)s") % {"path": directory}])
    files, skipped = law_files(directory)
    if not files:
        raise LawImportFailed([_("目录中没有法规文件（*.md）：%(path)s") % {"path": directory}])
    parsed: list[ParsedLaw] = []
    refused: list[LawParseError] = []
    seen: dict[tuple[str, object], str] = {}
    for path in files:
        try:
            law = parse_law_file(path)
        except LawParseError as error:
            refused.append(error)
            continue
        key = (law.slug, law.effective_date)
        if key in seen:
            refused.append(
                LawParseError(
                    law.source_name,
                    None,
                    _("与 %(other)s 是同一法规的同一版本（%(date)s），未导入。")
                    % {"other": seen[key], "date": law.effective_date.isoformat()},
                )
            )
            continue
        seen[key] = law.source_name
        parsed.append(law)
    return parsed, skipped, refused


def import_law_directory(path: str | Path) -> ImportSummary:
    """Import every good law file under ``path``, each in its own transaction; list the refused ones.

    A law's versions go in newest first: the current version is settled by the first
    file, older ones are then compared with it (and the content citing what changed
    flagged) as they arrive, and the search index never holds an older text in between.
    """
    parsed, skipped, refused = parse_directory(Path(path))
    summary = ImportSummary(skipped=skipped, refused=refused)
    summary.files = len(parsed) + len({error.source_name for error in refused})
    for law in sorted(parsed, key=lambda item: (item.slug, -item.effective_date.toordinal())):
        with transaction.atomic():
            _import_law([law], summary)
        summary.files_imported += 1
    return summary


def _import_law(versions: list[ParsedLaw], summary: ImportSummary) -> None:
    newest = versions[-1]
    law, created = Law.objects.get_or_create(
        slug=newest.slug, defaults={"title": newest.title, "short_name": newest.short_name}
    )
    summary.laws_created += int(created)
    deleted_ids: list[int] = []
    for parsed in versions:
        deleted_ids += _import_version(law, parsed, summary)
    current = _mark_newest_current(law, summary)
    source = next((p for p in versions if p.effective_date == current.effective_date), None)
    if source and (law.title, law.short_name) != (source.title, source.short_name):
        law.title, law.short_name = source.title, source.short_name
        law.save(update_fields=["title", "short_name", "updated_at"])
    _reindex_law(law, current, deleted_ids, summary)
    summary.flags_raised += sum(record_amendments(law).values())


def _version_label(law: Law, parsed: ParsedLaw) -> str:
    """The year (“2021”), or the full date when another version of the law already has that year."""
    year = str(parsed.effective_date.year)
    if law.versions.filter(label=year).exclude(effective_date=parsed.effective_date).exists():
        return parsed.effective_date.isoformat()
    return year


def _import_version(law: Law, parsed: ParsedLaw, summary: ImportSummary) -> list[int]:
    """Create or update one version; return the ids of articles it no longer has."""
    version = LawVersion.objects.filter(law=law, effective_date=parsed.effective_date).first()
    if version is not None and version.content_hash == parsed.content_hash:
        summary.versions_unchanged += 1
        return []
    if version is None:
        version = LawVersion(law=law, effective_date=parsed.effective_date, label=_version_label(law, parsed))
        summary.versions_created += 1
    else:
        summary.versions_updated += 1
    version.title = parsed.title
    version.history = parsed.history
    version.preamble = parsed.preamble
    version.appendix = parsed.appendix
    version.source_name = parsed.source_name
    version.content_hash = parsed.content_hash
    version.save()
    chapters, sections = _sync_structure(version, parsed)
    deleted_ids = _sync_articles(version, parsed.articles, chapters, sections, summary)
    _drop_stale_structure(version, parsed)
    return deleted_ids


def _sync_structure(
    version: LawVersion, parsed: ParsedLaw
) -> tuple[dict[int, LawChapter], dict[tuple[int, int], LawSection]]:
    """Upsert chapters and sections by position, keeping ids stable."""
    existing = {chapter.position: chapter for chapter in version.chapters.all()}
    chapters: dict[int, LawChapter] = {}
    for item in parsed.chapters:
        chapter = existing.get(item.position) or LawChapter(version=version, position=item.position)
        values = {
            "number": item.number,
            "number_text": item.number_text,
            "title": item.title,
            "part_title": item.part_title,
        }
        if chapter.pk is None or any(getattr(chapter, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(chapter, key, value)
            chapter.save()
        chapters[item.position] = chapter
    existing_sections = {
        (section.chapter_id, section.position): section
        for section in LawSection.objects.filter(chapter__version=version)
    }
    sections: dict[tuple[int, int], LawSection] = {}
    for item in parsed.chapters:
        chapter = chapters[item.position]
        for sub in item.sections:
            section = existing_sections.get((chapter.pk, sub.position)) or LawSection(
                chapter=chapter, position=sub.position
            )
            values = {"number": sub.number, "number_text": sub.number_text, "title": sub.title}
            if section.pk is None or any(getattr(section, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(section, key, value)
                section.save()
            sections[(item.position, sub.position)] = section
    return chapters, sections


def _sync_articles(
    version: LawVersion,
    parsed_articles: list[ParsedArticle],
    chapters: dict[int, LawChapter],
    sections: dict[tuple[int, int], LawSection],
    summary: ImportSummary,
) -> list[int]:
    existing = {(a.number, a.sub_number): a for a in version.articles.all()}
    to_create, to_update = [], []
    for item in parsed_articles:
        chapter = chapters.get(item.chapter_position) if item.chapter_position else None
        section = (
            sections.get((item.chapter_position, item.section_position))
            if item.chapter_position and item.section_position
            else None
        )
        values = {
            "number_text": item.number_text,
            "text": item.text,
            "chapter_id": chapter.pk if chapter else None,
            "section_id": section.pk if section else None,
        }
        article = existing.pop(item.key, None)
        if article is None:
            to_create.append(LawArticle(version=version, number=item.number, sub_number=item.sub_number, **values))
        elif any(getattr(article, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(article, key, value)
            to_update.append(article)
    stale_ids = [article.pk for article in existing.values()]
    LawArticle.objects.filter(pk__in=stale_ids).delete()
    LawArticle.objects.bulk_create(to_create, batch_size=500)
    LawArticle.objects.bulk_update(to_update, ["number_text", "text", "chapter_id", "section_id"], batch_size=500)
    summary.articles_created += len(to_create)
    summary.articles_updated += len(to_update)
    summary.articles_deleted += len(stale_ids)
    return stale_ids


def _drop_stale_structure(version: LawVersion, parsed: ParsedLaw) -> None:
    """Remove chapters/sections the new text no longer has (their articles have moved already)."""
    version.chapters.exclude(position__in=[c.position for c in parsed.chapters]).delete()
    for item in parsed.chapters:
        LawSection.objects.filter(chapter__version=version, chapter__position=item.position).exclude(
            position__in=[s.position for s in item.sections]
        ).delete()


def _mark_newest_current(law: Law, summary: ImportSummary) -> LawVersion:
    """Exactly one current version per law: the newest."""
    newest = law.versions.order_by("-effective_date").first()
    if not newest.is_current:
        law.versions.filter(is_current=True).update(is_current=False)
        LawVersion.objects.filter(pk=newest.pk).update(is_current=True)
        newest.is_current = True
        summary.current_changed.append(f"{law.short_name} {newest.label}")
    return newest


def _reindex_law(law: Law, current: LawVersion, deleted_ids: list[int], summary: ImportSummary) -> None:
    """Only the current text is searchable; older versions stay readable through the version switcher."""
    old_ids = LawArticle.objects.filter(version__law=law).exclude(version=current).values_list("pk", flat=True)
    remove_objects(kind=LAW_ARTICLE, obj_ids=[*deleted_ids, *old_ids])
    articles = current.articles.select_related("chapter", "section").order_by("number", "sub_number")
    entries = [
        SearchEntry(
            obj_id=article.pk,
            title=f"{law.short_name} {article.number_text}",
            body=article.text,
            url=_current_url(law, article),
            context=article_context(article),
        )
        for article in articles
    ]
    summary.documents_indexed += index_many(kind=LAW_ARTICLE, entries=entries)


def _current_url(law: Law, article: LawArticle) -> str:
    return reverse("laws:current_article", kwargs={"law_slug": law.slug, "article": article.key})


def article_context(article: LawArticle) -> str:
    """“第五章 行政处罚的决定 · 第四节 听证程序” — where an article sits."""
    parts = [str(part) for part in (article.chapter, article.section) if part is not None]
    return " · ".join(parts)
