"""allauth's TOTP stage of the sign-in, aware of a second factor the identity provider asserted."""

from allauth.mfa.stages import AuthenticateStage as AllauthAuthenticateStage

from . import sso


class AuthenticateStage(AllauthAuthenticateStage):
    """Asks for TOTP as allauth does — unless this is a single sign-on whose ID token asserts a
    second factor (``accounts.sso``): then the session's records say so, which is what
    ``accounts.middleware`` accepts, and the code is not asked for again."""

    def _should_handle(self, request) -> bool:
        sociallogin = (self.login.signal_kwargs or {}).get("sociallogin")
        if self.login.user is not None and sso.record_asserted_second_factor(request, self.login.user, sociallogin):
            return False
        return super()._should_handle(request)
