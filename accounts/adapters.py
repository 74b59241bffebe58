from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.utils import is_mfa_enabled
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError, AuthProcess
from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from core.clientip import client_ip

from . import sso


class AccountAdapter(DefaultAccountAdapter):
    """Accounts are provisioned by HR imports; nobody signs themselves up."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request) -> str:
        """Rate limits count the real client behind our proxy (``core.clientip``), never a spoofed header."""
        return client_ip(request)

    def get_reauthentication_methods(self, user):
        """An account with TOTP confirms sensitive changes with its code, never with the password alone."""
        methods = super().get_reauthentication_methods(user)
        if user.is_authenticated and is_mfa_enabled(user):
            methods = [m for m in methods if m["id"] != "reauthenticate"]
        return methods

    def get_login_stages(self) -> list[str]:
        """allauth's TOTP stage, except after a single sign-on whose provider asserted its own second factor."""
        return [
            "accounts.stages.AuthenticateStage" if path == "allauth.mfa.stages.AuthenticateStage" else path
            for path in super().get_login_stages()
        ]


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs existing staff in by their 工号 and does nothing else (``accounts.sso``).

    No account is created and no third-party account is linked: the staff file is the
    source of truth. A refusal leads back to our sign-in page with its reason.
    """

    def list_apps(self, request, provider=None, client_id=None):
        """The one app the environment configures (``accounts.sso``); database rows configure nothing."""
        return [
            app
            for app in sso.social_apps()
            if (provider is None or provider in (app.provider, app.provider_id))
            and (client_id is None or app.client_id == client_id)
        ]

    def is_open_for_signup(self, request, sociallogin):
        return False

    def is_auto_signup_allowed(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        try:
            if not sso.is_ours(sociallogin):
                raise sso.SsoRefused("provider", _("不支持这种登录方式。"), provider=sociallogin.account.provider)
            process = sociallogin.state.get("process") or AuthProcess.LOGIN
            if process != AuthProcess.LOGIN:
                raise sso.SsoRefused(
                    "process",
                    _("%(name)s只用于登录，本系统不绑定外部账号。") % {"name": sso.display_name()},
                    process=str(process),
                )
            sociallogin.user = sso.person_for(sociallogin)
        except sso.SsoRefused as refusal:
            sso.audit_refusal(request, refusal)
            raise ImmediateHttpResponse(self._back_to_login(request, refusal.message)) from None

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        """Cancelled at the provider, a stale or forged ``state``, the provider unreachable: say so on our page."""
        name = sso.display_name()
        if error == AuthError.CANCELLED:
            refusal = sso.SsoRefused("cancelled", _("您取消了%(name)s登录。") % {"name": name})
        else:
            refusal = sso.SsoRefused(
                "error",
                _("%(name)s登录没有完成，请重新点击登录按钮再试；仍不行时请用工号和密码登录，并告知系统管理员。")
                % {"name": name},
                error=str(error or ""),
                exception=f"{type(exception).__name__}: {exception}"[:300] if exception else "",
            )
        sso.audit_refusal(request, refusal)
        raise ImmediateHttpResponse(self._back_to_login(request, refusal.message))

    @staticmethod
    def _back_to_login(request, message: str):
        messages.error(request, message)
        return redirect("account_login")
