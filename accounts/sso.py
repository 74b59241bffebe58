"""Government single sign-on: the prefecture's identity provider over OpenID Connect.

allauth's ``openid_connect`` provider runs the protocol (authorization code with PKCE, ``state``,
the ID token's signature, issuer and audience); this module holds our rules, configured by the
environment alone (``OIDC_*`` in ``config/settings/base.py``, guide in ``docs/sso.md``):

- **Off unless configured.** Without ``OIDC_SERVER_URL`` and ``OIDC_CLIENT_ID`` there is no
  provider: no button on the sign-in page, and its routes answer 404.
- **The staff file stays the source of truth.** A sign-in is matched by the 工号 in the configured
  claim to an existing, active account; nobody is created and no third-party account is linked
  (``accounts.adapters.SocialAccountAdapter``). An unknown 工号 or a disabled account is refused
  with a message on our sign-in page; every sign-in and every refusal is audited.
- **One way in still holds.** A privileged person (or anyone with TOTP) signing in this way goes
  through allauth's TOTP stage — unless the identity provider asserts, in the ID token's ``amr``
  claim, a second factor of its own from ``OIDC_MFA_AMR_VALUES``. Then the sign-in's
  authentication record says so (``record_asserted_second_factor``) and
  ``accounts.middleware.second_factor_used`` accepts it as this session's second factor.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from allauth.account.internal.flows.login import record_authentication
from django.conf import settings
from django.core.checks import Error, register
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import audit

#: allauth's provider class, and the id of our one app (its routes: /accounts/oidc/gov/login/…).
PROVIDER = "openid_connect"
PROVIDER_ID = "gov"
#: Audit actions.
SIGN_IN_ACTION = "sso_sign_in"
REFUSED_ACTION = "sso_refused"
#: The key our record of an asserted second factor carries (see ``is_second_factor_record``).
SECOND_FACTOR_KEY = "second_factor"
SECOND_FACTOR_BY_PROVIDER = "provider_amr"

DEFAULT_DISPLAY_NAME = gettext_lazy("政务统一身份认证")


class SsoRefused(Exception):
    """A sign-in the identity provider vouched for that we still refuse; ``message`` is shown to the person."""

    def __init__(self, reason: str, message: str, **details):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.details = details


def is_enabled() -> bool:
    return bool(settings.OIDC_SERVER_URL and settings.OIDC_CLIENT_ID)


def display_name() -> str:
    return settings.OIDC_DISPLAY_NAME or str(DEFAULT_DISPLAY_NAME)


def login_label() -> str:
    return settings.OIDC_LOGIN_LABEL or _("使用%(name)s登录") % {"name": display_name()}


def social_apps() -> list:
    """The one allauth app, built from settings on each call (no database row configures it)."""
    from allauth.socialaccount.models import SocialApp

    if not is_enabled():
        return []
    return [
        SocialApp(
            provider=PROVIDER,
            provider_id=PROVIDER_ID,
            name=display_name(),
            client_id=settings.OIDC_CLIENT_ID,
            secret=settings.OIDC_CLIENT_SECRET,
            settings={
                "server_url": settings.OIDC_SERVER_URL,
                "scope": list(settings.OIDC_SCOPES),
                "token_auth_method": settings.OIDC_TOKEN_AUTH_METHOD,
                "oauth_pkce_enabled": settings.OIDC_PKCE,
            },
        )
    ]


def is_ours(sociallogin) -> bool:
    return sociallogin is not None and sociallogin.account.provider == PROVIDER_ID


# --- what the identity provider said -----------------------------------------------------


@dataclass(frozen=True)
class Assertion:
    """The verified ID token's claims, with the userinfo answer over them (the same ``sub``)."""

    subject: str
    claims: dict
    amr: tuple[str, ...]


def assertion(sociallogin) -> Assertion:
    extra = sociallogin.account.extra_data or {}
    id_token = extra.get("id_token") or {}
    userinfo = extra.get("userinfo") or {}
    subject = str(id_token.get("sub") or userinfo.get("sub") or sociallogin.account.uid)
    if id_token and userinfo and str(userinfo.get("sub")) != str(id_token.get("sub")):
        # OpenID Connect Core 5.3.2: a userinfo answer about someone else must not be used.
        raise SsoRefused(
            "subject_mismatch",
            _("%(name)s返回的身份信息前后不一致，无法登录。请稍后重试；如仍不行，请联系系统管理员。")
            % {"name": display_name()},
            sub=str(id_token.get("sub")),
            userinfo_sub=str(userinfo.get("sub")),
        )
    amr = id_token.get("amr") or ()
    if isinstance(amr, str):
        amr = (amr,)
    return Assertion(subject=subject, claims={**id_token, **userinfo}, amr=tuple(str(value) for value in amr))


def employee_no_from(found: Assertion) -> str:
    claim = settings.OIDC_EMPLOYEE_NO_CLAIM
    value = found.claims.get(claim)
    if isinstance(value, int | str) and not isinstance(value, bool):
        value = str(value).strip()
    else:
        value = ""
    if not value:
        raise SsoRefused(
            "no_employee_no",
            _("%(name)s没有提供您的工号，无法登录。请改用工号和密码登录，并告知系统管理员。")
            % {"name": display_name()},
            sub=found.subject,
            claim=claim,
        )
    return value


def asserted_second_factor(found: Assertion) -> list[str]:
    """The ``amr`` values that count as a second factor the identity provider checked itself."""
    accepted = {value.lower() for value in settings.OIDC_MFA_AMR_VALUES}
    return [value for value in found.amr if value.lower() in accepted]


# --- our side ---------------------------------------------------------------------------


def person_for(sociallogin):
    """The existing, active account the sign-in is for, or ``SsoRefused`` (never a new one)."""
    from .models import User

    found = assertion(sociallogin)
    employee_no = employee_no_from(found)
    person = User.objects.filter(employee_no=employee_no).first()
    if person is None:
        raise SsoRefused(
            "unknown",
            _(
                "%(name)s确认了您的身份，但本系统的人员名单中没有工号为 %(no)s 的人员，无法登录。"
                "请联系本单位人事部门核对人员名单。"
            )
            % {"name": display_name(), "no": employee_no},
            sub=found.subject,
            employee_no=employee_no,
        )
    if not person.is_active:
        raise SsoRefused(
            "inactive",
            _("工号为 %(no)s 的账号已停用，无法登录。如有疑问，请联系本单位人事部门。") % {"no": employee_no},
            sub=found.subject,
            employee_no=employee_no,
            user_id=person.pk,
        )
    return person


def record_asserted_second_factor(request, user, sociallogin) -> bool:
    """At an SSO sign-in whose ID token asserts a second factor: say so in this session's records.

    Returns whether it did; allauth's TOTP stage is then skipped (``accounts.stages``).
    """
    if not is_ours(sociallogin):
        return False
    try:
        methods = asserted_second_factor(assertion(sociallogin))
    except SsoRefused:
        return False
    if not methods:
        return False
    record_authentication(
        request,
        user,
        "socialaccount",
        provider=PROVIDER_ID,
        uid=sociallogin.account.uid,
        amr=methods,
        **{SECOND_FACTOR_KEY: SECOND_FACTOR_BY_PROVIDER},
    )
    return True


def is_second_factor_record(record: dict) -> bool:
    """An authentication record written by ``record_asserted_second_factor``."""
    return (
        record.get("method") == "socialaccount"
        and record.get("provider") == PROVIDER_ID
        and record.get(SECOND_FACTOR_KEY) == SECOND_FACTOR_BY_PROVIDER
    )


# --- audit ------------------------------------------------------------------------------


def audit_refusal(request, refusal: SsoRefused) -> None:
    from core.clientip import client_ip

    audit.record(
        actor=None,
        action=REFUSED_ACTION,
        summary=_("拒绝统一身份认证登录：%(message)s") % {"message": refusal.message},
        details={"reason": refusal.reason, "ip": client_ip(request), **refusal.details},
    )


def audit_sign_in(sender, request, user, sociallogin=None, **kwargs) -> None:
    """allauth's ``user_logged_in``: an SSO sign-in completed (after TOTP, when it was asked for)."""
    from allauth.account.authentication import get_authentication_records

    from core.clientip import client_ip

    if not is_ours(sociallogin):
        return
    records = get_authentication_records(request, user)
    if any(is_second_factor_record(record) for record in records):
        second_factor = "provider_amr"
    elif any(record.get("method") == "mfa" for record in records):
        second_factor = "totp"
    else:
        second_factor = "none"
    found = assertion(sociallogin)
    audit.record(
        actor=user,
        action=SIGN_IN_ACTION,
        summary=_("%(person)s 通过统一身份认证登录") % {"person": user},
        details={
            "user_id": user.pk,
            "employee_no": user.employee_no,
            "sub": found.subject,
            "amr": list(found.amr),
            "second_factor": second_factor,
            "ip": client_ip(request),
        },
    )


# --- the sign-in page's Content-Security-Policy ------------------------------------------

#: Pages whose form is redirected to the identity provider: our sign-in page (the button) and
#: allauth's own confirmation page of the provider login.
FORM_ACTION_PAGES = frozenset({"account_login", "openid_connect_login", "sso_login"})


def provider_origin() -> str:
    parts = urlsplit(settings.OIDC_SERVER_URL)
    return f"{parts.scheme}://{parts.netloc}"


class FormActionMiddleware:
    """Lets the single sign-on form leave for the identity provider.

    The site's policy says ``form-action 'self'``, and browsers apply it to where a form's
    POST is redirected too: allauth answers the button with a redirect to the provider's
    authorization endpoint. Only the pages in ``FORM_ACTION_PAGES`` get the provider's
    origin added, and only while single sign-on is configured. (Runs inside
    ``core.csp.CSPMiddleware``, which reads ``response._csp_update``.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name in FORM_ACTION_PAGES and is_enabled():
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", []), provider_origin()]
            response._csp_update = update
        return response


# --- configuration check ----------------------------------------------------------------

_LOOPBACK_NAMES = {"localhost"}


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register("accounts")
def sso_configuration_check(app_configs=None, **kwargs) -> list[Error]:
    """A half-set or unsafe single sign-on configuration stops the server from starting."""
    problems = []
    url, client_id = settings.OIDC_SERVER_URL, settings.OIDC_CLIENT_ID
    if bool(url) != bool(client_id):
        problems.append(
            Error(
                "统一身份认证配置不完整：OIDC_SERVER_URL 和 OIDC_CLIENT_ID 必须同时设置（或都不设置以关闭）。",
                id="accounts.E201",
            )
        )
    if not url:
        return problems
    parts = urlsplit(url)
    if parts.scheme != "https" and not (parts.scheme == "http" and _is_loopback(parts.hostname or "")):
        problems.append(
            Error(
                f"OIDC_SERVER_URL 必须是 https:// 地址（收到 {url!r}）。",
                hint="只有本机测试用的身份认证服务可以用 http://127.0.0.1 或 http://localhost。",
                id="accounts.E202",
            )
        )
    if "openid" not in settings.OIDC_SCOPES:
        problems.append(Error("OIDC_SCOPES 必须包含 openid。", id="accounts.E203"))
    if not settings.OIDC_EMPLOYEE_NO_CLAIM:
        problems.append(Error("OIDC_EMPLOYEE_NO_CLAIM 不能为空：它指明哪个声明（claim）是工号。", id="accounts.E204"))
    if settings.OIDC_TOKEN_AUTH_METHOD not in ("client_secret_basic", "client_secret_post"):
        problems.append(
            Error("OIDC_TOKEN_AUTH_METHOD 只能是 client_secret_basic 或 client_secret_post。", id="accounts.E205")
        )
    if not settings.OIDC_CLIENT_SECRET:
        problems.append(
            Error("OIDC_CLIENT_SECRET 未设置：本系统以保密客户端（client secret）接入。", id="accounts.E206")
        )
    return problems
