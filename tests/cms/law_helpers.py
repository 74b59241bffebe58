"""Helpers for the law-library and search tests (fixtures live in the test modules)."""

from __future__ import annotations

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
