"""In-site help for staff users: the Chinese guides in ``docs/`` rendered as pages.

The guides are written once, as Markdown in the repository (``docs/*.md``), and
read both on GitHub and here. Links between guides (``exam_guide.md``) become
links between the pages; screenshots live in ``docs/img/`` (``![…](img/x.png)`` in the
Markdown) and are served to the same staff by ``help:image``, which serves nothing
but the PNG files of that one folder. Learners have no guides here; every staff role sees all
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
IMG_DIR = DOCS_DIR / "img"
HELP_ROLES = (Role.TRAINER, Role.REVIEWER, Role.HR, Role.ADMIN)


@dataclass(frozen=True)
class HelpPage:
    slug: str
    title: str
    filename: str


PAGES = (
    HelpPage("staff-import", _("人员导入"), "staff_import.md"),
    HelpPage("directory-sync", _("目录同步（LDAP）"), "directory_sync.md"),
    HelpPage("sso", _("政务统一身份认证登录"), "sso.md"),
    HelpPage("question-bank", _("题库：导入、导出与版本"), "question_bank.md"),
    HelpPage("exams", _("组卷与考试"), "exam_guide.md"),
    HelpPage("year-close", _("年度结算、年审与证书"), "year_close.md"),
    HelpPage("courses", _("建设课程与课时"), "course_guide.md"),
    HelpPage("classroom", _("课堂培训：签到、名单导入与法治讲堂"), "classroom_guide.md"),
    HelpPage("course-review", _("法制审核：课程审核"), "review_guide.md"),
)
BY_SLUG = {page.slug: page for page in PAGES}
BY_FILENAME = {page.filename: page for page in PAGES}
_MD_LINK = re.compile(r'href="(?P<file>[\w-]+\.md)(?P<anchor>#[^"]*)?"')
_IMAGE_NAME = re.compile(r"^[\w-]+\.png$", re.ASCII)
_MD_IMAGE = re.compile(r'src="img/(?P<name>[\w-]+\.png)"', re.ASCII)


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

    def to_image(match: re.Match) -> str:
        return f'src="{reverse("help:image", args=[match["name"]])}" loading="lazy"'

    return _MD_IMAGE.sub(to_image, _MD_LINK.sub(to_page, html)), md.toc


def image_path(name: str) -> Path | None:
    """The screenshot ``docs/img/<name>``, or None: only plain PNG names, only files of that folder."""
    if not _IMAGE_NAME.match(name):
        return None
    path = IMG_DIR / name
    return path if path.is_file() and path.parent == IMG_DIR else None


def render(page: HelpPage) -> tuple[SafeString, SafeString]:
    """The guide as HTML and its table of contents (our own trusted files, so marked safe)."""
    path = DOCS_DIR / page.filename
    body, toc = _rendered(page.filename, path.stat().st_mtime)
    return mark_safe(body), mark_safe(toc)  # repository files, not user input
