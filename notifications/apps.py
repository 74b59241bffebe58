from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """In-site messages ("消息") and their e-mail: low in the app graph, so that every domain app can send them."""

    name = "notifications"
    verbose_name = _("站内消息")

    def ready(self):
        from core import navigation
        from notifications import navigation as notifications_navigation

        # "消息" (order 85) ties only with jobs' "后台任务" (85, rank 50) and must stay before it;
        # 35 follows the ranks of learning (30–34), whose provider listed it until now.
        navigation.register(notifications_navigation.items, rank=35)
