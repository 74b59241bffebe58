"""In-site help for staff users: the Chinese guides in ``docs/`` rendered as pages.

The guides are written once, as Markdown in the repository (``docs/*.md``), and
read both on GitHub and here. Links between guides (``exam_guide.md``) become
links between the pages. Learners have no guides here; every staff role sees all
of them (nothing in them is confidential).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import markdown
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from .models import Role

DOCS_DIR = Path(settings.BASE_DIR) / "docs"
HELP_ROLES = (Role.TRAINER, Role.REVIEWER, Role.HR, Role.ADMIN)


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    filename: str


PAGES = (
    HelpPage("staff-import", _("人员导入"), "staff_import.md"),
    HelpPage("question-bank", _("题库：导入、导出与版本"), "question_bank.md"),
    HelpPage("exams", _("组卷与考试"), "exam_guide.md"),
    HelpPage("year-close", _("年度结算、年审与证书"), "year_close.md"),
)
BY_SLUG = {page.slug: page for page in PAGES}
BY_FILENAME = {page.filename: page for page in PAGES}
_MD_LINK = re.compile(r'href="(?P<file>[\w-]+\.md)(?P<anchor>#[^"]*)?"')


def can_read_help(user) -> bool:
    return user.is_authenticated and any(user.has_role(role) for role in HELP_ROLES)


@lru_cache(maxsize=len(PAGES))
def _rendered(filename: str, mtime: float) -> tuple[str, str]:
    md = markdown.Markdown(extensions=["tables", "fenced_code", "toc"], output_format="html")
    html = md.convert((DOCS_DIR / filename).read_text(encoding="utf-8"))

    def to_page(match: re.Match) -> str:
        page = BY_FILENAME.get(match["file"])
        if page is None:
            return match[0]
        return f'href="{reverse("help:page", args=[page.slug])}{match["anchor"] or ""}"'

    return _MD_LINK.sub(to_page, html), md.toc


def render(page: HelpPage) -> tuple[SafeString, SafeString]:
    """The guide as HTML and its table of contents (our own trusted files, so marked safe)."""
    path = DOCS_DIR / page.filename
    body, toc = _rendered(page.filename, path.stat().st_mtime)
    return mark_safe(body), mark_safe(toc)  # repository files, not user input
