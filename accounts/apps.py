from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """Idempotent set-up that must exist in every database (beat schedule of the daily tasks)."""
    from accounts.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("账号与组织")

    def ready(self):
        from allauth.account.signals import user_logged_in as allauth_user_logged_in
        from django.contrib.auth.signals import user_logged_in

        from accounts import navigation as accounts_navigation
        from accounts import sso  # also registers the single sign-on configuration check
        from accounts.middleware import mark_missing_second_factor
        from core import navigation

        navigation.register(accounts_navigation.items, rank=10)
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="accounts_after_migrate")
        user_logged_in.connect(mark_missing_second_factor, dispatch_uid="accounts.second_factor_pending")
        allauth_user_logged_in.connect(sso.audit_sign_in, dispatch_uid="accounts.sso_sign_in_audit")
