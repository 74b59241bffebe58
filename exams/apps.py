from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """Idempotent set-up that must exist in every database (beat schedule of the deadline task)."""
    from exams.schedules import ensure_periodic_tasks
    from exams.setup import grant_trainer_permissions

    ensure_periodic_tasks()
    grant_trainer_permissions()


class ExamsConfig(AppConfig):
    name = "exams"
    verbose_name = _("考试")

    def ready(self):
        from core import dashboard, navigation
        from exams import dashboard as exams_dashboard
        from exams import navigation as exams_navigation
        from exams.jobs import QUESTION_CHECK, QUESTION_IMPORT
        from jobs import registry

        registry.register(QUESTION_CHECK)
        registry.register(QUESTION_IMPORT)
        navigation.register(exams_navigation.items, rank=40)
        dashboard.register(exams_dashboard.cards, rank=20)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="exams_after_migrate")
