from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    """Who is on the staff, as HR keeps it: the staff list, its import and export (later, the directory sync).

    Above ``jobs`` in the app graph, so that ``accounts`` (the user model, the org
    tree, the scope rule) stays below the background jobs the import and export run as.
    """

    name = "directory"
    verbose_name = _("人员名册")

    def ready(self):
        from core import navigation
        from directory import navigation as directory_navigation
        from directory.jobs import STAFF_EXPORT, STAFF_IMPORT
        from jobs import registry

        registry.register(STAFF_IMPORT)
        registry.register(STAFF_EXPORT)
        # "人员名册" (order 80) ties with no other link; 11 keeps it where accounts' provider (10) listed it.
        navigation.register(directory_navigation.items, rank=11)
