from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """Demo data and the commands that load it (``seed_demo``, ``demo_totp``).

    At the top of the app graph: it builds on every other app, and no other app imports it.
    """

    name = "demo"
    verbose_name = _("演示数据")
