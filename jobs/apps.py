from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs):
    from .schedules import ensure_schedules

    ensure_schedules()


class JobsConfig(AppConfig):
    name = "jobs"
    verbose_name = _("后台任务")

    def ready(self):
        from core import navigation
        from jobs import navigation as jobs_navigation

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="jobs_after_migrate")
        navigation.register(jobs_navigation.items, rank=50)
