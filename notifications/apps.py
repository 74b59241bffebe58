from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """The digest, the sweep and every registered reminder as beat entries, in every database (idempotent)."""
    from notifications.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()


class NotificationsConfig(AppConfig):
    """Messages ("消息"), their e-mail and SMS, and each person's choice of channels: low in the app graph,
    so that every domain app can send events; the apps register their kinds and reminders here."""

    name = "notifications"
    verbose_name = _("站内消息")

    def ready(self):
        from core import navigation
        from notifications import navigation as notifications_navigation

        # "消息" (order 85) ties only with jobs' "后台任务" (85, rank 50) and must stay before it;
        # 35 follows the ranks of learning (30–34), whose provider listed it until now.
        navigation.register(notifications_navigation.items, rank=35)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="notifications_after_migrate")
