"""allauth's OpenID Connect views, with the identity provider being unreachable reported on our sign-in page.

allauth turns most failures of the flow into its authentication-error hook
(``accounts.adapters.SocialAccountAdapter.on_authentication_error``), but reading the provider's
discovery document happens outside it: a provider that is down or answers garbage would be a 500.
Same paths as allauth's (``/accounts/oidc/<provider_id>/login/`` and ``…/callback/``), routed first.
"""

from __future__ import annotations

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.providers.base.constants import AuthError
from allauth.socialaccount.providers.openid_connect import views as allauth_views
from django.contrib.auth.decorators import login_not_required
from requests import RequestException


def _reporting_provider_failures(view):
    @login_not_required
    def guarded(request, provider_id):
        try:
            return view(request, provider_id=provider_id)
        except RequestException as exc:
            try:
                get_adapter(request).on_authentication_error(request, None, error=AuthError.UNKNOWN, exception=exc)
            except ImmediateHttpResponse as answer:
                return answer.response
            raise

    guarded.__name__ = f"sso_{view.__name__}"
    return guarded


login = _reporting_provider_failures(allauth_views.login)
callback = _reporting_provider_failures(allauth_views.callback)
