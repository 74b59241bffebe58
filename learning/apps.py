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
        from learning.certificates import setup as certificate_setup  # checks, admin, signal receivers

        certificate_setup.connect()
        from learning import review_setup  # admin and receivers of the credential review

        review_setup.connect()
        from jobs import registry
        from learning.attendance_jobs import ATTENDANCE_IMPORT
        from learning.compliance_export import COMPLIANCE_XLSX

        registry.register(COMPLIANCE_XLSX)
        registry.register(ATTENDANCE_IMPORT)
