"""The one check for the second factor, and the actor of audit entries.

A session of a privileged role (trainer, reviewer, HR, administrator) — or of
any account signed in through a route that skipped its TOTP — reaches nothing
but the few pages that let it prove the second factor or sign out. The proof
is allauth's authentication record ("mfa", TOTP or a recovery code) written
into *this* session — or, at a single sign-on, the record saying that the
identity provider asserted a second factor in its ID token (``accounts.sso``);
whether the account merely *has* TOTP is not enough. The
check sits here, after authentication, so a login route added later by any
library cannot bypass it.
"""

from __future__ import annotations

from allauth.account.authentication import get_authentication_records
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import audit, sso

#: Set at sign-in when an account with TOTP signed in without using it.
SECOND_FACTOR_PENDING = "second_factor_pending"

#: Pages a session without its second factor may open (URL names).
OPEN_WITHOUT_SECOND_FACTOR = frozenset({"account_logout", "mfa_reauthenticate", "set_language"})
#: ...and, while the account has no TOTP yet, the pages that set it up.
OPEN_WHILE_SETTING_UP = frozenset({"mfa_activate_totp", "account_reauthenticate"})
#: Paths nobody needs a session for (static files, the public certificate check, the health check).
OPEN_PREFIXES = ("/static/", "/verify/", "/health/")


def second_factor_used(request, user) -> bool:
    """Did this session prove TOTP or a recovery code for ``user`` (or the identity provider its own factor)?"""
    return any(
        record.get("method") == "mfa" or sso.is_second_factor_record(record)
        for record in get_authentication_records(request, user)
    )


def needs_second_factor(request, user) -> bool:
    return user.is_privileged or bool(request.session.get(SECOND_FACTOR_PENDING))


def mark_missing_second_factor(sender, request, user, **kwargs):
    """Any sign-in route: an account with TOTP that did not use it owes the code."""
    if request is None or not hasattr(request, "session"):
        return
    if not second_factor_used(request, user) and is_mfa_enabled(user):
        request.session[SECOND_FACTOR_PENDING] = True
    else:
        request.session.pop(SECOND_FACTOR_PENDING, None)


def _url_name(request) -> str | None:
    try:
        return resolve(request.path_info).url_name
    except Resolver404:
        return None


class RequireSecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path_info.startswith(OPEN_PREFIXES)
            and needs_second_factor(request, user)
            and not second_factor_used(request, user)
        ):
            response = self._ask_for_second_factor(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _ask_for_second_factor(self, request, user):
        name = _url_name(request)
        if name in OPEN_WITHOUT_SECOND_FACTOR:
            return None
        if not is_mfa_enabled(user):
            if name in OPEN_WHILE_SETTING_UP:
                return None
            if not request.session.get("mfa_required_notice"):
                request.session["mfa_required_notice"] = True
                messages.warning(
                    request, _("您的角色可以查看他人信息或发布内容，必须先开启两步验证（TOTP）才能继续使用。")
                )
            target = "mfa_activate_totp"
        else:
            messages.info(request, _("请输入两步验证码（或一个恢复码）以继续。"))
            target = "mfa_reauthenticate"
        return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")


class AuditActorMiddleware:
    """Makes the signed-in user the actor of audit entries written during the request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        with audit.acting_as(user if user is not None and user.is_authenticated else None):
            return self.get_response(request)
