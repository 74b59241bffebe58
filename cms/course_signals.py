"""Side effects of course pages: search indexing and the review set-up after ``migrate``.

Decoupled on purpose: publishing works without the search index, and the
index never decides who may see a course.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_migrate
from wagtail.signals import page_published, page_unpublished

from learning.signals import hours_posted


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


def _on_visibility_changed(sender, instance, **kwargs):
    """Publishing or unpublishing changes who may study: heartbeats re-check access at once."""
    from learning.services.progress import forget_access_checks

    forget_access_checks(instance)


REQUIRED_TABLES = {"cms_courseindexpage", "cms_homepage", "wagtailcore_workflowpage", "wagtailcore_grouppagepermission"}


def _on_hours_posted(sender, entry, **kwargs):
    """A passed exam may be the last thing a course was waiting for."""
    from learning.models import SourceKind
    from learning.services.progress import complete_courses_of_exam

    if entry.source_kind == SourceKind.EXAM and entry.reverses_id is None and entry.source_key.startswith("exam:"):
        complete_courses_of_exam(user=entry.user, exam_id=int(entry.source_key.split(":")[1]))


def _after_migrate(sender, using="default", **kwargs):
    """Set up the review workflow once the tables it needs exist (a partial migrate skips it)."""
    from django.db import connections

    from cms.setup import ensure_workflow_and_permissions

    if not REQUIRED_TABLES <= set(connections[using].introspection.table_names()):
        return
    ensure_workflow_and_permissions()


def connect(app_config) -> None:
    from cms.models.courses import CourseIndexPage, CoursePage, LessonPage

    for model in (CourseIndexPage, CoursePage, LessonPage):
        for signal in (page_published, page_unpublished):
            signal.connect(
                _on_visibility_changed,
                sender=model,
                dispatch_uid=f"cms_access_{model.__name__}_{signal is page_published}",
            )
    for model in (CoursePage, LessonPage):
        page_published.connect(_on_published, sender=model, dispatch_uid=f"cms_index_{model.__name__}")
        page_unpublished.connect(_on_removed, sender=model, dispatch_uid=f"cms_unindex_{model.__name__}")
        post_delete.connect(_on_removed, sender=model, dispatch_uid=f"cms_delete_{model.__name__}")
    post_migrate.connect(_after_migrate, sender=app_config, dispatch_uid="cms_course_workflow")
    hours_posted.connect(_on_hours_posted, dispatch_uid="cms_course_exam_passed")
