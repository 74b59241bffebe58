import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from accounts.models import OrgUnit, Role

from .auth import sign_in
from .factories import OrgUnitFactory, UserFactory

# The OpenID Connect provider of the single sign-on tests (oidc_provider, sso_settings), for tests/accounts and tests/browser.
pytest_plugins = ["tests.accounts.oidc_server"]


@pytest.fixture
def org_tree(db):
    """A small prefecture: 喀什地区 → 莎车县/疏附县 → one department each."""
    pref = OrgUnitFactory(name="喀什地区", code="KS", kind=OrgUnit.Kind.PREFECTURE)
    shache = OrgUnitFactory(name="莎车县", code="KS-SC", kind=OrgUnit.Kind.COUNTY, parent=pref)
    shufu = OrgUnitFactory(name="疏附县", code="KS-SF", kind=OrgUnit.Kind.COUNTY, parent=pref)
    pref.refresh_from_db()
    shache_dept = OrgUnitFactory(
        name="莎车县市场监督管理局", code="KS-SC-SJ", kind=OrgUnit.Kind.DEPARTMENT, parent=shache
    )
    shufu_dept = OrgUnitFactory(
        name="疏附县市场监督管理局", code="KS-SF-SJ", kind=OrgUnit.Kind.DEPARTMENT, parent=shufu
    )
    return {"pref": pref, "shache": shache, "shufu": shufu, "shache_dept": shache_dept, "shufu_dept": shufu_dept}


def enable_totp(user) -> str:
    """Give a user a TOTP authenticator (as if they had set up MFA); return the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


@pytest.fixture
def learner(org_tree):
    return UserFactory(full_name="艾力·买买提", org_unit=org_tree["shache_dept"])


@pytest.fixture
def hr_shache(org_tree):
    """An HR officer of 莎车县 (with MFA set up)."""
    user = UserFactory(full_name="王芳", org_unit=org_tree["shache"], roles=[Role.HR])
    user.scope_units.add(org_tree["shache"])
    enable_totp(user)
    return user


@pytest.fixture
def admin_user(org_tree):
    user = UserFactory(
        full_name="管理员", org_unit=org_tree["pref"], roles=[Role.ADMIN], is_staff=True, is_superuser=True
    )
    enable_totp(user)
    return user


@pytest.fixture
def trainer(org_tree):
    user = UserFactory(full_name="培训员", org_unit=org_tree["pref"], roles=[Role.TRAINER], is_staff=True)
    enable_totp(user)
    return user


@pytest.fixture
def reviewer(org_tree):
    user = UserFactory(full_name="审核员", org_unit=org_tree["pref"], roles=[Role.REVIEWER], is_staff=True)
    enable_totp(user)
    return user


@pytest.fixture
def client_for(client):
    """``client_for(user)`` signs a user in on the test client and returns it."""

    def _login(user):
        return sign_in(client, user)

    return _login


__all__ = ["Authenticator", "enable_totp"]


@pytest.fixture(autouse=True)
def _wagtail_site(request):
    """Make sure the Wagtail root, the HomePage and the default Site exist.

    With migrations they come from ``cms/migrations/0002``; with
    ``--nomigrations`` (fast local runs) they are created here.
    """
    names = request.fixturenames
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in names
        or "live_server" in names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    if not (transactional or "db" in names or marker):
        return
    request.getfixturevalue("transactional_db" if transactional else "db")
    from cms.models import HomePage
    from tests.wagtail_site import ensure_home_page

    if not HomePage.objects.exists():
        ensure_home_page()
