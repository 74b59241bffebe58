"""Privileged roles must set up TOTP before they reach anything but sign-in pages."""

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

# Paths a privileged user without MFA may still open: the MFA set-up itself,
# sign-out, password pages, language switching and assets.
ALLOWED_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/static/",
    "/media/",
    "/verify/",
)


class RequireMFAMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and user.is_privileged
            and not request.path.startswith(ALLOWED_PREFIXES)
            and not is_mfa_enabled(user)
        ):
            if not request.session.get("mfa_required_notice"):
                request.session["mfa_required_notice"] = True
                messages.warning(
                    request, _("您的角色可以查看他人信息或发布内容，必须先开启两步验证（TOTP）才能继续使用。")
                )
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
