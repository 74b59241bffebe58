"""Signing a test client in as a person who completed the real sign-in.

``sign_in`` is ``force_login`` plus what allauth writes into the session when
someone signs in with their password and, if they have TOTP, the code: the
authentication records ``accounts.middleware`` asks for. Tests of the sign-in
itself go through the real pages instead (tests/accounts/test_one_way_in.py).
"""

import time

from allauth.account.authentication import AUTHENTICATION_METHODS_SESSION_KEY
from allauth.account.internal.flows.login import _AUTHENTICATION_METHODS_USER_SESSION_KEY
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import is_mfa_enabled


def sign_in(client, user, *, second_factor: bool | None = None):
    """Sign ``user`` in on ``client``; ``second_factor`` defaults to "they have TOTP"."""
    client.force_login(user)
    if second_factor is None:
        second_factor = is_mfa_enabled(user, [Authenticator.Type.TOTP])
    now = time.time()
    records = [{"method": "password", "at": now, "username": user.employee_no}]
    if second_factor:
        totp = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
        records.append({"method": "mfa", "at": now, "id": totp.pk, "type": "totp"})
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = str(user.pk)
    session.save()
    return client
