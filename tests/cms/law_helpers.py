"""Helpers for the law-library and search tests (fixtures live in the test modules)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from django.conf import settings

# The real texts ship with the repository (demo/data/laws); LAWS_DIR overrides.
LAWS_SOURCE = Path(settings.LAWS_DIR or Path(settings.BASE_DIR) / "demo" / "data" / "laws")

PENALTY = "行政处罚法(2021-01-22).md"
REVIEW_2017 = "行政复议法(2017-09-01).md"
REVIEW_2023 = "行政复议法(2023-09-01).md"
CONSTITUTION = "宪法.md"
CIVIL_CODE = "民法典-总则编.md"


def copy_laws(target: Path, *names: str) -> Path:
    """Copy some of the real law files (all when no names are given) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    sources = [LAWS_SOURCE / name for name in names] if names else sorted(LAWS_SOURCE.glob("*.md"))
    for source in sources:
        shutil.copy(source, target / source.name)
    return target


def write_law(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path


def library_snapshot() -> dict:
    """Every row of the law library and the search index, to prove a failed import changed nothing."""
    from cms.models import Law, LawArticle, LawChapter, LawSection, LawVersion, SearchDocument, SearchToken

    return {
        "laws": list(Law.objects.order_by("pk").values_list("pk", "slug", "title", "short_name")),
        "versions": list(
            LawVersion.objects.order_by("pk").values_list("pk", "law_id", "label", "is_current", "content_hash")
        ),
        "chapters": list(LawChapter.objects.order_by("pk").values_list("pk", "version_id", "position", "title")),
        "sections": list(LawSection.objects.order_by("pk").values_list("pk", "chapter_id", "position", "title")),
        "articles": list(
            LawArticle.objects.order_by("pk").values_list(
                "pk", "version_id", "chapter_id", "section_id", "number", "sub_number", "text"
            )
        ),
        "documents": list(SearchDocument.objects.order_by("pk").values_list("pk", "kind", "object_id", "content_hash")),
        "tokens": SearchToken.objects.count(),
    }


def amended_version(target: Path, source: str, date: str, *, replace: dict[int, str] | None = None, drop=()) -> Path:
    """Write a later version of a real law into ``target``: articles' text replaced, articles dropped.

    Dropped articles take their paragraphs with them and the articles after them are
    renumbered, as a real amendment does (“第五十一条” becomes “第五十条”).
    """
    from cms.laws.numerals import chinese_to_int, int_to_chinese

    replace, drop = replace or {}, set(drop)
    stem = source.split("(")[0]
    head, body = (LAWS_SOURCE / source).read_text(encoding="utf-8").split("<!-- INFO END -->", 1)
    lines, skipping = [], False
    for line in body.splitlines():
        match = re.match(r"^第([一二三四五六七八九十百零]+)条 (.*)$", line)
        if match:
            number = chinese_to_int(match[1])
            skipping = number in drop or number in replace
            if number in drop:
                continue
            renumbered = number - sum(1 for gone in drop if gone < number)
            text = replace.get(number, match[2])
            lines.append(f"第{int_to_chinese(renumbered)}条 {text}")
        elif line.startswith("#"):
            skipping = False
            lines.append(line)
        elif not skipping:
            lines.append(line)
    path = target / f"{stem}({date}).md"
    target.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{date[:4]}年1月1日 修正\n\n<!-- INFO END -->" + "\n".join(lines) + "\n", encoding="utf-8")
    return path
