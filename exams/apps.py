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
        from cms.selectors.law_flags import register_flag_source
        from cms.signals import law_articles_amended
        from core import dashboard, navigation
        from exams import dashboard as exams_dashboard
        from exams import navigation as exams_navigation
        from exams import notifications as exams_notifications
        from exams.jobs import QUESTION_CHECK, QUESTION_IMPORT
        from exams.selectors.law_flags import QUESTIONS
        from exams.services.law_flags import on_law_articles_amended
        from jobs import registry
        from notifications import kinds as notification_kinds
        from notifications import reminders

        registry.register(QUESTION_CHECK)
        registry.register(QUESTION_IMPORT)
        notification_kinds.register(*exams_notifications.KINDS)
        reminders.register(*exams_notifications.REMINDERS)
        navigation.register(exams_navigation.items, rank=40)
        dashboard.register(exams_dashboard.cards, rank=20)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="exams_after_migrate")
        law_articles_amended.connect(on_law_articles_amended, dispatch_uid="exams_flag_questions")
        register_flag_source(QUESTIONS, rank=20)
