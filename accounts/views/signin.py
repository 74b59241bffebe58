"""The sign-in routes other libraries register (Wagtail's admin and page-privacy login, the Django admin's)."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse


def elsewhere(request, *args, **kwargs):
    """Send a visitor to allauth's sign-in, keeping ``next``; a signed-in person lacking access gets the 403 page.

    Wagtail and the Django admin send a signed-in person who may not enter them
    to their login URL; allauth would send them straight back (a redirect loop).
    """
    if request.user.is_authenticated:
        raise PermissionDenied
    query = request.META.get("QUERY_STRING", "")
    return redirect(reverse("account_login") + (f"?{query}" if query else ""))
