from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The bottom of the dependency graph: request hygiene and HTML resource rules every app uses."""

    name = "core"
    verbose_name = _("基础")
