from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.utils import is_mfa_enabled

from core.clientip import client_ip


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
