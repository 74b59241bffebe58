from django.urls import path

from .views import activation, pickers, sso

app_name = "accounts"

urlpatterns = [
    path("activate/", activation.activate_start, name="activate"),
    path("activate/password/", activation.activate_password, name="activate_password"),
    # The search behind the audience pickers (accounts.pickers).
    path("pickers/units/", pickers.units, name="picker_units"),
    path("pickers/people/", pickers.people, name="picker_people"),
    # Single sign-on (accounts/sso.py): allauth's own two views at allauth's paths, routed first so
    # that an unreachable identity provider is reported on the sign-in page instead of a 500.
    path("oidc/<str:provider_id>/login/", sso.login, name="sso_login"),
    path("oidc/<str:provider_id>/login/callback/", sso.callback, name="sso_callback"),
]
