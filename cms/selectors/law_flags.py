"""Reads for the amendment flags (法规修订提醒): which flags a trainer sees, by kind of content.

Every kind of flag is a ``FlagSource``: the cms registers its course and lesson
pages here; the apps above register theirs in ``AppConfig.ready()`` (``exams``:
questions), so that one admin page and one dashboard panel list them all while the
cms imports none of those apps. A source decides who may act on its flags
(``available``) and which flags they see (``visible``, ready for listing: the list
is one query whatever its length).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms.models import FlagStatus, LawAmendmentFlag

#: How many open flags the dashboard panel lists (the page lists them all).
PANEL_FLAGS = 8


@dataclass(frozen=True)
class FlagSource:
    key: str
    label: str
    available: Callable[[object], bool]
    visible: Callable[[object], QuerySet]
    subject_title: Callable[[object], str]
    subject_url: Callable[[object], str]
    still_cites: Callable[[object], bool]
    #: ``retarget(flag=, user=)``: cite the new article instead and resolve (None: the trainer edits the content).
    retarget: Callable[..., None] | None = None
    subject_label: str = ""


_sources: dict[str, tuple[int, FlagSource]] = {}


def register_flag_source(source: FlagSource, *, rank: int) -> FlagSource:
    """Add a kind of flag; registering the same key again (a second ``ready()``) replaces it at the same rank."""
    clash = next((key for key, (r, _s) in _sources.items() if r == rank and key != source.key), None)
    if clash is not None:
        raise ValueError(f"flag sources {source.key!r} and {clash!r} share rank {rank}")
    _sources[source.key] = (rank, source)
    return source


def flag_sources(user) -> list[FlagSource]:
    """The kinds of flag ``user`` may act on, in rank order."""
    return [source for _rank, source in sorted(_sources.values(), key=lambda item: item[0]) if source.available(user)]


def get_source(user, key: str) -> FlagSource:
    for source in flag_sources(user):
        if source.key == key:
            return source
    raise Http404("没有这类提醒")


def flags_for(user, source: FlagSource, *, status: str | None = FlagStatus.OPEN) -> QuerySet:
    flags = source.visible(user)
    return flags.filter(status=status) if status else flags


def open_counts(user, sources: list[FlagSource]) -> dict[str, int]:
    return {source.key: flags_for(user, source).count() for source in sources}


def get_flag(user, source: FlagSource, pk: int):
    flag = source.visible(user).filter(pk=pk).first()
    if flag is None:
        raise Http404("没有这条提醒")
    return flag


@dataclass(frozen=True)
class PanelRow:
    source: FlagSource
    flag: object
    subject: str


def panel_rows(user) -> tuple[list[PanelRow], int]:
    """The newest open flags of every kind the user may act on, and how many are open in all."""
    rows: list[PanelRow] = []
    total = 0
    for source in flag_sources(user):
        flags = flags_for(user, source)
        total += flags.count()
        rows += [
            PanelRow(source, flag, source.subject_title(flag))
            for flag in flags.order_by("-created_at", "-pk")[:PANEL_FLAGS]
        ]
    rows.sort(key=lambda row: (row.flag.created_at, row.flag.pk), reverse=True)
    return rows[:PANEL_FLAGS], total


# --- The cms's own source: course and lesson pages ---------------------------------------------------------


def _pages_available(user) -> bool:
    from wagtail.permission_policies.pages import PagePermissionPolicy

    return user.is_active and PagePermissionPolicy().user_has_permission(user, "change")


def _pages_visible(user) -> QuerySet:
    """Flags on pages the user may edit (Wagtail's page permissions: trainers and reviewers of the catalogue)."""
    from wagtail.permission_policies.pages import PagePermissionPolicy

    editable = PagePermissionPolicy().instances_user_has_permission_for(user, "change")
    return LawAmendmentFlag.objects.filter(page__in=editable.values("pk")).select_related("page", "law", "resolved_by")


def _page_still_cites(flag) -> bool:
    from cms.laws.flags import pages_citing

    return flag.old_article_id is not None and bool(pages_citing({flag.old_article_id}, page_ids={flag.page_id}))


PAGES = FlagSource(
    key="pages",
    label=_("课程页面"),
    subject_label=_("页面"),
    available=_pages_available,
    visible=_pages_visible,
    subject_title=lambda flag: flag.page.title,
    subject_url=lambda flag: reverse("wagtailadmin_pages:edit", args=[flag.page_id]),
    still_cites=_page_still_cites,
)
register_flag_source(PAGES, rank=10)
