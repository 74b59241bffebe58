"""Side effects of course pages: search indexing, forgetting cached study access, and the
review set-up after ``migrate``.

Decoupled on purpose: publishing works without the search index, and the
index never decides who may see a course.
"""

from __future__ import annotations

from django.db.models.signals import m2m_changed, post_delete, post_migrate, post_save
from wagtail.signals import page_published, page_unpublished, post_page_move


def _on_published(sender, instance, **kwargs):
    from cms.course_search import index_course, index_lesson
    from cms.models.courses import CoursePage, LessonPage

    if isinstance(instance, CoursePage):
        index_course(instance)
    elif isinstance(instance, LessonPage):
        index_lesson(instance)


def _on_removed(sender, instance, **kwargs):
    from cms.course_search import unindex

    unindex(instance)


#: Page columns the audience rule reads; a save that writes none of them (a draft revision) changes no access.
ACCESS_FIELDS = frozenset({"live", "path", "depth", "audience_categories"})


def _changes_access(kwargs) -> bool:
    update_fields = kwargs.get("update_fields")
    return update_fields is None or not ACCESS_FIELDS.isdisjoint(update_fields)


def _on_course_changed(sender, instance, **kwargs):
    """A course published, unpublished, edited live, moved or deleted: its learners are checked again."""
    from cms.access_cache import forget_course

    if _changes_access(kwargs):
        forget_course(instance.pk)


def _on_audience_units_changed(sender, instance, action, reverse, **kwargs):
    from cms.access_cache import forget_all, forget_course

    if not action.startswith("post_"):
        return
    if reverse:  # changed from the unit's side: any of its courses
        forget_all()
    else:
        forget_course(instance.pk)


def _on_rule_input_changed(sender, **kwargs):
    """A catalogue page or an org unit changed: every learner is checked again (rare changes)."""
    from cms.access_cache import forget_all

    if _changes_access(kwargs):
        forget_all()


REQUIRED_TABLES = {"cms_courseindexpage", "cms_homepage", "wagtailcore_workflowpage", "wagtailcore_grouppagepermission"}


def _after_migrate(sender, using="default", **kwargs):
    """Set up the review workflow once the tables it needs exist (a partial migrate skips it)."""
    from django.db import connections

    from cms.setup import ensure_workflow_and_permissions

    if not REQUIRED_TABLES <= set(connections[using].introspection.table_names()):
        return
    ensure_workflow_and_permissions()


def _connect_access_invalidation() -> None:
    """What ``cms.access_cache`` relies on (lessons need nothing: the heartbeat reads them itself)."""
    from accounts.models import OrgUnit
    from cms.models.courses import CourseIndexPage, CoursePage

    page_signals = {
        "save": post_save,
        "delete": post_delete,
        "publish": page_published,
        "unpublish": page_unpublished,
        "move": post_page_move,
    }
    for model, receiver in ((CoursePage, _on_course_changed), (CourseIndexPage, _on_rule_input_changed)):
        for name, signal in page_signals.items():
            signal.connect(receiver, sender=model, dispatch_uid=f"cms_access_{model.__name__}_{name}")
    m2m_changed.connect(
        _on_audience_units_changed, sender=CoursePage.audience_units.through, dispatch_uid="cms_access_audience_units"
    )
    post_save.connect(_on_rule_input_changed, sender=OrgUnit, dispatch_uid="cms_access_OrgUnit_save")
    post_delete.connect(_on_rule_input_changed, sender=OrgUnit, dispatch_uid="cms_access_OrgUnit_delete")


def connect(app_config) -> None:
    from cms.models.courses import CoursePage, LessonPage

    _connect_access_invalidation()
    for model in (CoursePage, LessonPage):
        page_published.connect(_on_published, sender=model, dispatch_uid=f"cms_index_{model.__name__}")
        page_unpublished.connect(_on_removed, sender=model, dispatch_uid=f"cms_unindex_{model.__name__}")
        post_delete.connect(_on_removed, sender=model, dispatch_uid=f"cms_delete_{model.__name__}")
    post_migrate.connect(_after_migrate, sender=app_config, dispatch_uid="cms_course_workflow")
