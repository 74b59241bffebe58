"""The one place the cms app registers with Wagtail; the glue itself lives in ``cms/course_admin.py``."""

from wagtail import hooks

from cms import course_admin

hooks.register("register_admin_viewset", course_admin.register_law_article_chooser)
hooks.register("before_delete_page", course_admin.keep_pages_with_learner_records)
hooks.register("before_bulk_action", course_admin.keep_pages_with_learner_records_in_bulk)
