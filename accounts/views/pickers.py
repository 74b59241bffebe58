"""The search behind the audience pickers (``accounts.pickers``): JSON for the picker's script.

``GET /accounts/pickers/units/?q=…&page=…`` and ``/accounts/pickers/people/?q=…&page=…`` answer
``{"ok": true, "results": [...], "page": n, "has_more": bool}``; a query they refuse,
``{"ok": false, "error": "…"}`` with 400; someone who chooses no audience, 403. Only the units and
people the caller may put in an audience are found (``accounts.scope``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.pickers import PickerQueryError, parse_page, search_people, search_units
from accounts.scope import can_choose_audience


def _answer(request, search, *, people: bool) -> JsonResponse:
    if not can_choose_audience(request.user, people=people):
        raise PermissionDenied
    try:
        found = search(request.user, request.GET.get("q", ""), page=parse_page(request.GET.get("page")))
    except PickerQueryError as exc:
        return JsonResponse({"ok": False, "code": "invalid", "error": str(exc)}, status=400)
    return JsonResponse({"ok": True, "results": found.items, "page": found.page, "has_more": found.has_more})


@never_cache
@require_GET
def units(request):
    return _answer(request, search_units, people=False)


@never_cache
@require_GET
def people(request):
    return _answer(request, search_people, people=True)
