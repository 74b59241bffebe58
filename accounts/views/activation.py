"""The activation page: 工号 and the code from the letter, then a password, then signed in through allauth.

Public (nobody who needs it can sign in yet), so it is held to the sign-in's
rules: every attempt counts per client address (``activate``), failed ones per
address and per 工号 typed (``activate_failed``, allauth's rate limits on the
shared cache), and a failed attempt gets one message whatever was wrong, so the
page does not tell whether a 工号 exists.

The sign-in at the end is allauth's own login flow (the same calls as its
password reset uses to sign the person in): an account with TOTP is asked for
its code before the session is signed in, and a privileged account without
TOTP goes on to allauth's TOTP set-up; ``accounts.middleware`` holds it there
either way.
"""

from __future__ import annotations

import time

from allauth.account.internal.flows.login import perform_login, record_authentication
from allauth.account.models import Login
from allauth.core import ratelimit
from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from ..forms import ActivationCodeForm, ActivationPasswordForm
from ..models import ActivationCode
from ..services.activation import ActivationError, activate, check_code, generic_error

#: The session key between the two steps: the code that was checked, for whom, and when.
SESSION_KEY = "activation_checked"
#: How long the password step stays open after the code was checked.
STEP_SECONDS = 15 * 60


def _too_many() -> str:
    return _("尝试次数过多，请 5 分钟后再试。")


def _signed_in(request):
    return render(request, "accounts/activate_signed_in.html", status=200)


@never_cache
@sensitive_post_parameters("code")
@require_http_methods(["GET", "POST"])
def activate_start(request):
    if request.user.is_authenticated:
        return _signed_in(request)
    form = ActivationCodeForm(request.POST or None)
    if request.method == "POST":
        limited = ratelimit.consume_or_429(request, action="activate")
        if limited is not None:
            return limited
        if form.is_valid():
            key = form.cleaned_data["employee_no"].strip().lower()
            if not ratelimit.consume(request, action="activate_failed", key=key, dry_run=True):
                form.add_error(None, _too_many())
            else:
                try:
                    code = check_code(employee_no=form.cleaned_data["employee_no"], code=form.cleaned_data["code"])
                except ActivationError as exc:
                    ratelimit.consume(request, action="activate_failed", key=key)
                    form.add_error(None, str(exc))
                else:
                    request.session[SESSION_KEY] = {"code": code.pk, "user": code.user_id, "at": time.time()}
                    return redirect("accounts:activate_password")
        status = 400
    else:
        status = 200
    return render(request, "accounts/activate.html", {"form": form}, status=status)


def _checked_code(request) -> ActivationCode | None:
    """The code the first step checked in this session, if it is still live and the step still open."""
    checked = request.session.get(SESSION_KEY)
    if not isinstance(checked, dict) or time.time() - float(checked.get("at", 0)) > STEP_SECONDS:
        return None
    code = ActivationCode.objects.select_related("user").filter(pk=checked.get("code"), user_id=checked.get("user"))
    code = code.first()
    if code is None or not code.is_live or not code.user.is_active:
        return None
    return code


@never_cache
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def activate_password(request):
    if request.user.is_authenticated:
        return _signed_in(request)
    code = _checked_code(request)
    if code is None:
        had_step = request.session.pop(SESSION_KEY, None) is not None
        messages.error(request, generic_error() if had_step else _("请先输入工号和开通通知书上的激活码。"))
        return redirect("accounts:activate")
    person = code.user
    form = ActivationPasswordForm(request.POST or None, user=person)
    if request.method == "POST" and form.is_valid():
        try:
            person = activate(code_id=code.pk, user_id=person.pk, password=form.cleaned_data["password1"])
        except ActivationError as exc:
            request.session.pop(SESSION_KEY, None)
            messages.error(request, str(exc))
            return redirect("accounts:activate")
        request.session.pop(SESSION_KEY, None)
        return _sign_in(request, person)
    return render(
        request,
        "accounts/activate_password.html",
        {"form": form, "person": person, "privileged": person.is_privileged},
        status=400 if request.method == "POST" else 200,
    )


def _sign_in(request, person):
    """allauth's login flow, as after its own password reset: TOTP is asked for first if the account has it."""
    if person.is_privileged and not is_mfa_enabled(person):
        messages.success(
            request,
            _("账号已激活。您的角色必须开启两步验证：请再次输入刚设置的密码，然后用手机上的验证器应用扫码完成设置。"),
        )
        redirect_url = reverse("mfa_activate_totp")
    else:
        messages.success(request, _("账号已激活。以后请用工号和刚设置的密码登录。"))
        redirect_url = None
    record_authentication(request, person, method="password", username=person.employee_no)
    return perform_login(request, Login(user=person, redirect_url=redirect_url))
