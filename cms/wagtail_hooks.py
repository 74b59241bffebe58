"""The one place the cms app registers with Wagtail; the glue lives in ``cms/course_admin.py``,
``cms/course_review_admin.py`` (the whole-course review), ``cms/law_flag_admin.py``, ``cms/media_admin.py`` (files in use) and
``cms/user_names.py`` (people named by name), the file door in ``cms/views/media.py``."""

from django.db import models
from wagtail import hooks
from wagtail.admin.compare import register_comparison_class

from cms import compare, course_admin, course_review_admin, law_flag_admin, media_admin, user_names
from cms.fields import ChoiceListField
from cms.views import media as media_views

hooks.register("register_admin_viewset", course_admin.register_law_article_chooser)
hooks.register("before_delete_page", course_admin.keep_pages_with_learner_records)
hooks.register("before_bulk_action", course_admin.keep_pages_with_learner_records_in_bulk)
hooks.register("register_admin_viewset", law_flag_admin.register_law_flag_viewset)
hooks.register("construct_homepage_panels", law_flag_admin.add_law_flags_panel)
# Documents and images a live page uses: Wagtail's edit and delete views answered by ours (ahead of its own).
hooks.register("register_admin_urls", media_admin.admin_urls, order=-1)
hooks.register("before_bulk_action", media_admin.keep_media_in_use_in_bulk)
# An original replaced by a new version is offered nowhere new (its live pages keep it).
hooks.register("construct_document_chooser_queryset", media_admin.current_versions_only)
hooks.register("construct_image_chooser_queryset", media_admin.current_versions_only)
hooks.register("register_log_actions", media_admin.register_log_actions)
hooks.register("before_serve_document", media_views.before_serve_document)
# The whole-course review (整门课程审核): its pages, its buttons, the dashboard, and what it keeps from Wagtail's per-page review.
hooks.register("register_admin_viewset", course_review_admin.register_viewset)
hooks.register("register_page_action_menu_item", course_review_admin.register_action_menu_item)
hooks.register("construct_page_action_menu", course_review_admin.drop_single_page_submit)
hooks.register("after_edit_page", course_review_admin.open_submit_page)
hooks.register("after_create_page", course_review_admin.open_submit_page)
hooks.register("before_create_page", course_review_admin.refuse_single_page_submit)
hooks.register("before_edit_page", course_review_admin.keep_submitted_revisions)
hooks.register("register_page_header_buttons", course_review_admin.header_buttons)
hooks.register("register_page_listing_more_buttons", course_review_admin.listing_more_buttons)
hooks.register("register_log_actions", course_review_admin.register_log_actions)
hooks.register("construct_homepage_panels", course_review_admin.add_home_panels)
# People are named by their name, never their 工号: the sidebar's account menu (the aging report: config/urls.py).
user_names.register_sidebar_adapter()
# Revision comparisons draw names, not codes, "True" or "None".
register_comparison_class(ChoiceListField, comparison_class=compare.ChoiceListComparison)
register_comparison_class(models.BooleanField, comparison_class=compare.YesNoComparison)
register_comparison_class(models.DateTimeField, comparison_class=compare.DateTimeComparison)
