"""Content citing an amended article is flagged for its trainers, who resolve the flag.

When a version becomes a law's current version (or either text of an earlier
comparison changed), ``record_amendments`` compares every other version of the law
with it (``cms.laws.amendments``) and raises one flag per piece of content and
amended article it cites: course pages (their 涵盖法条) and lesson pages (their
citation blocks), live content and drafts alike, here; questions in ``exams``,
which hears ``cms.signals.law_articles_amended``. Everything runs inside the import
transaction of the law file, so a refused file leaves no flags behind.

One rule for every kind of flag (``raise_flags``): a flag per (content, cited
article, new version), raised once — re-running an import raises nothing again and
never reopens a flag a trainer resolved — and when a newer version becomes
current, the open flags that compared with an older one are closed as superseded
by the new ones.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from cms.laws.amendments import compare_versions
from cms.models.law_flags import ArticleChangeKind, FlagStatus


def record_amendments(law) -> dict[str, int]:
    """Compare ``law``'s other versions with its current one and flag what cites amended articles.

    Returns how many flags were raised, by kind of content ("pages" and whatever the
    receivers of ``law_articles_amended`` report). Cheap when nothing changed: the
    comparisons are kept until either text changes.
    """
    from cms.models import LawArticleChange, LawVersion
    from cms.signals import law_articles_amended

    current = LawVersion.objects.filter(law=law, is_current=True).first()
    if current is None:
        return {}
    recomputed = [
        comparison.pk
        for comparison, changed in (
            compare_versions(version, current) for version in LawVersion.objects.filter(law=law).exclude(pk=current.pk)
        )
        if changed
    ]
    if not recomputed:
        return {}
    changes = list(
        LawArticleChange.objects.filter(comparison_id__in=recomputed)
        .exclude(kind=ArticleChangeKind.UNCHANGED)
        .select_related("old_article__version", "new_article__version")
        .order_by("old_article__version__effective_date", "old_article__number", "old_article__sub_number")
    )
    raised = {"pages": flag_pages(law=law, version=current, changes=changes)}
    for _receiver, response in law_articles_amended.send(sender=type(law), law=law, version=current, changes=changes):
        kind, count = response
        raised[kind] = raised.get(kind, 0) + count
    return raised


def flag_pages(*, law, version, changes) -> int:
    from cms.models import LawAmendmentFlag

    old_ids = {change.old_article_id for change in changes}
    return raise_flags(
        LawAmendmentFlag, subject="page", law=law, version=version, changes=changes, citations=pages_citing(old_ids)
    )


def raise_flags(model, *, subject: str, law, version, changes, citations: dict[int, set[int]]) -> int:
    """Flag each subject (``{subject}_id``) of ``citations`` for each amended article it cites.

    ``citations``: subject id → ids of the old articles it cites. Returns the number
    of new flags. Open flags of this law that compared with another version are
    closed as superseded; open flags for the same comparison get the new side again
    (the current text was corrected by a re-import).
    """
    now = timezone.now()
    field = f"{subject}_id"
    model.objects.filter(law=law, status=FlagStatus.OPEN).exclude(new_version=version).update(
        status=FlagStatus.RESOLVED,
        resolved_at=now,
        resolved_by=None,
        resolution_note=_("已由 %(version)s 年版本的提醒取代。") % {"version": version.label},
    )
    by_old = {change.old_article_id: change for change in changes}
    wanted = {
        (subject_id, article_id) for subject_id, ids in citations.items() for article_id in ids if article_id in by_old
    }
    if not wanted:
        return 0
    existing = {
        (getattr(flag, field), flag.old_article_id): flag
        for flag in model.objects.filter(
            new_version=version,
            old_article_id__in={article_id for _subject, article_id in wanted},
            **{f"{field}__in": {subject_id for subject_id, _article in wanted}},
        )
    }
    to_create, to_refresh = [], []
    for subject_id, article_id in sorted(wanted):
        values = snapshot(by_old[article_id], version)
        flag = existing.get((subject_id, article_id))
        if flag is None:
            to_create.append(model(law=law, **{field: subject_id}, **values))
        elif flag.status == FlagStatus.OPEN and any(getattr(flag, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(flag, key, value)
            to_refresh.append(flag)
    model.objects.bulk_create(to_create, batch_size=500)
    if to_refresh:
        model.objects.bulk_update(to_refresh, list(snapshot_fields()), batch_size=500)
    return len(to_create)


def snapshot_fields() -> tuple[str, ...]:
    return (
        "old_article_id",
        "new_version_id",
        "new_article_id",
        "kind",
        "old_version_label",
        "old_number_text",
        "old_text",
        "new_version_label",
        "new_number_text",
        "new_text",
    )


def snapshot(change, version) -> dict:
    """A flag's copy of both sides of ``change`` (the old article against ``version``)."""
    old, new = change.old_article, change.new_article
    return {
        "old_article_id": old.pk,
        "new_version_id": version.pk,
        "new_article_id": new.pk if new else None,
        "kind": change.kind,
        "old_version_label": old.version.label,
        "old_number_text": old.number_text,
        "old_text": old.text,
        "new_version_label": version.label,
        "new_number_text": new.number_text if new else "",
        "new_text": new.text if new else "",
    }


# --- Which pages cite which articles ---------------------------------------------------------------


def pages_citing(article_ids: Iterable[int], *, page_ids: Iterable[int] | None = None) -> dict[int, set[int]]:
    """Page id → the ids among ``article_ids`` it cites: lessons' citation blocks and courses' 涵盖法条.

    Reads the live rows and, for pages with unpublished changes, their latest
    revision too (the draft a trainer is working on). Lesson bodies are scanned in
    Python: StreamField JSON cannot be searched the same way on SQLite and PostgreSQL,
    and this runs once per amended law, not per request. ``page_ids`` limits the scan.
    """
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import Page, Revision

    from cms.models import CourseLawArticle, CoursePage, LessonPage

    wanted = set(article_ids)
    found: dict[int, set[int]] = defaultdict(set)
    if not wanted:
        return found
    only = {} if page_ids is None else {"pk__in": list(page_ids)}
    lessons = LessonPage.objects.filter(**only).values_list("pk", "body")
    for page_id, body in lessons.iterator(chunk_size=500):
        hits = wanted.intersection(_cited_in_stream(body.raw_data))
        if hits:
            found[page_id] |= hits
    links = CourseLawArticle.objects.filter(article_id__in=wanted)
    if page_ids is not None:
        links = links.filter(page_id__in=only["pk__in"])
    for page_id, article_id in links.values_list("page_id", "article_id"):
        found[page_id].add(article_id)
    drafts = Page.objects.filter(
        has_unpublished_changes=True,
        latest_revision__isnull=False,
        content_type__in=ContentType.objects.get_for_models(LessonPage, CoursePage).values(),
        **only,
    ).values("latest_revision_id")
    for page_id, content in Revision.objects.filter(pk__in=drafts).values_list("object_id", "content"):
        hits = wanted.intersection(_cited_in_revision(content))
        if hits:
            found[int(page_id)] |= hits
    return found


def _cited_in_stream(raw_blocks) -> set[int]:
    ids = set()
    for item in raw_blocks or ():
        if isinstance(item, dict) and item.get("type") == "law_citation":
            article = (item.get("value") or {}).get("article")
            if isinstance(article, int):
                ids.add(article)
    return ids


def _cited_in_revision(content: dict) -> set[int]:
    body = content.get("body")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError:
            body = None
    ids = _cited_in_stream(body if isinstance(body, list) else ())
    for link in content.get("law_article_links") or ():
        if isinstance(link, dict) and isinstance(link.get("article"), int):
            ids.add(link["article"])
    return ids


# --- Resolving -------------------------------------------------------------------------------------------


class FlagActionRefused(Exception):
    """What a trainer asked of a flag cannot be done; the message says why (translated)."""


class FlagAlreadyResolved(FlagActionRefused):
    """The flag was resolved meanwhile (another trainer, another tab)."""


def resolve_flag(*, flag, user, note: str = "") -> None:
    """Mark ``flag`` resolved by ``user``; resolving twice is refused, not repeated."""
    updated = (
        type(flag)
        .objects.filter(pk=flag.pk, status=FlagStatus.OPEN)
        .update(
            status=FlagStatus.RESOLVED, resolved_at=timezone.now(), resolved_by=user, resolution_note=note.strip()[:200]
        )
    )
    if not updated:
        raise FlagAlreadyResolved(_("这条提醒已由他人处理。"))
    flag.refresh_from_db()
