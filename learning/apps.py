from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs):
    """Idempotent set-up that must exist in every database, also in --nomigrations test runs."""
    from django.db import connections

    from learning.db import install_ledger_guards
    from learning.schedules import ensure_periodic_tasks
    from learning.services.ledger import ensure_default_categories

    install_ledger_guards(connections[using])
    ensure_default_categories()
    ensure_periodic_tasks()


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = _("学时与培训")

    def ready(self):
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="learning_after_migrate")
        from learning import notifications, receivers
        from learning.views import course_pages

        receivers.connect()  # an exam pass credits hours and completes the courses waiting for it
        notifications.connect()  # message kinds and reminders; every committed posting is announced to its person
        course_pages.connect()  # what the learner's course pages show, and a visit records
        from jobs import registry
        from learning.compliance_export import COMPLIANCE_XLSX

        registry.register(COMPLIANCE_XLSX)
        _register_navigation_and_cards()


def _register_navigation_and_cards():
    """Links and cards of the ledger; the ranks decide between those of equal ``order`` (31 and 11 are the
    classroom app's, 32 and 12 the plans app's, 33 and 14 the certificates app's, 34 and 13 the review app's)."""
    from core import dashboard, navigation
    from learning import dashboard as ledger_dashboard
    from learning import navigation as ledger_navigation

    navigation.register(ledger_navigation.items, rank=30)
    dashboard.register(ledger_dashboard.cards, rank=10)
