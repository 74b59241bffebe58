"""The check both demo commands (``seed_demo``, ``demo_totp``) make before they touch anything."""

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _


def refuse_in_production(command: str) -> None:
    """Demo tooling writes known passwords and TOTP secrets: never on the live system.

    "Production" is the settings flag ``IS_PRODUCTION`` (set only by config.settings.production).
    """
    if settings.IS_PRODUCTION:
        raise CommandError(
            _("生产环境禁止运行 %(command)s：演示账号的密码和两步验证密钥是公开的。") % {"command": command}
        )
