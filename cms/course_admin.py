"""Wagtail admin glue for courses (registered from ``cms/wagtail_hooks.py``): the law-article chooser and a guard
against losing learners' records.

A course or lesson that learners have studied, or that a study plan requires,
cannot be deleted (its progress, completions and credited hours point at it);
the trainer is told to unpublish it instead.
"""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from cms.choosers import law_article_chooser_viewset
from cms.extensions import has_learner_records


def register_law_article_chooser():
    return law_article_chooser_viewset


def _has_learner_records(page) -> bool:
    from cms.models.courses import CoursePage, LessonPage

    pages = page.get_descendants(inclusive=True)
    return has_learner_records(
        course_ids=pages.type(CoursePage).values("pk"), lesson_ids=pages.type(LessonPage).values("pk")
    )


def keep_pages_with_learner_records(request, page):
    if request.method == "POST" and _has_learner_records(page):
        messages.error(
            request,
            _("“%(title)s”已有学员学习记录或被学法清单引用，不能删除；如需下架，请取消发布。") % {"title": page.title},
        )
        return redirect("wagtailadmin_explore", page.get_parent().pk)
    return None


def keep_pages_with_learner_records_in_bulk(request, action_type, objects, action_class_instance):
    from wagtail.models import Page

    if action_type != "delete" or request.method != "POST":
        return None
    studied = [obj for obj in objects if isinstance(obj, Page) and _has_learner_records(obj)]
    if studied:
        titles = "、".join(page.title for page in studied)
        messages.error(
            request,
            _("以下页面已有学员学习记录或被学法清单引用，不能删除；如需下架，请取消发布：%(titles)s")
            % {"titles": titles},
        )
        return redirect("wagtailadmin_explore", studied[0].get_parent().pk)
    return None
