from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CmsConfig(AppConfig):
    name = "cms"
    verbose_name = _("课程与法规")

    def ready(self):
        from cms import course_signals  # search indexing of courses, review workflow after migrate
        from cms import navigation as cms_navigation
        from cms import notifications as cms_notifications
        from core import navigation
        from notifications import kinds as notification_kinds

        course_signals.connect(self)
        navigation.register(cms_navigation.items, rank=20)
        notification_kinds.register(*cms_notifications.KINDS)  # the course review's messages
