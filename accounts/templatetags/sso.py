"""``{% sso_login_button %}``: the single sign-on button of the sign-in page, when it is configured."""

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from accounts import sso

register = template.Library()


@register.inclusion_tag("accounts/sso_login_button.html", takes_context=True)
def sso_login_button(context):
    """Nothing unless ``OIDC_*`` is set; else a form POSTing to allauth's provider login (with ``next``)."""
    if not sso.is_enabled():
        return {"sso": None}
    query = {"process": "login"}
    if context.get("redirect_field_value"):
        query["next"] = context["redirect_field_value"]
    url = reverse("openid_connect_login", kwargs={"provider_id": sso.PROVIDER_ID})
    return {
        "sso": {"url": f"{url}?{urlencode(query)}", "label": sso.login_label(), "name": sso.display_name()},
        "csrf_token": context.get("csrf_token"),
    }
