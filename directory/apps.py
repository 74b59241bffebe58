from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """The directory sync's beat entry, as ``DIRECTORY_SYNC_SCHEDULE`` asks (off when it is empty)."""
    from directory.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()


class DirectoryConfig(AppConfig):
    """Who is on the staff, as HR keeps it: the staff list, its import and export, the directory sync (LDAP).

    Above ``jobs`` in the app graph, so that ``accounts`` (the user model, the org
    tree, the scope rule) stays below the background jobs the import and export run as.
    """

    name = "directory"
    verbose_name = _("人员名册")

    def ready(self):
        from core import navigation
        from directory import navigation as directory_navigation
        from directory.jobs import STAFF_EXPORT, STAFF_IMPORT
        from directory.letters import ACTIVATION_LETTERS
        from jobs import registry

        registry.register(STAFF_IMPORT)
        registry.register(STAFF_EXPORT)
        registry.register(ACTIVATION_LETTERS)
        # "人员名册" (order 80) ties with no other link; 11 keeps it where accounts' provider (10) listed it.
        navigation.register(directory_navigation.items, rank=11)

        from django.core import checks

        from directory.checks import check_directory_sync

        checks.register(check_directory_sync, "directory")
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="directory_after_migrate")
