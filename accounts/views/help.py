"""Help pages for staff users (see ``accounts.help``)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render

from accounts import help as guides


def _require_staff(request) -> None:
    if not guides.can_read_help(request.user):
        raise PermissionDenied


@login_required
def index(request):
    _require_staff(request)
    return redirect("help:page", slug=guides.PAGES[0].slug)


@login_required
def page(request, slug: str):
    _require_staff(request)
    current = guides.BY_SLUG.get(slug)
    if current is None:
        raise Http404
    body, toc = guides.render(current)
    return render(request, "help/page.html", {"pages": guides.PAGES, "current": current, "body": body, "toc": toc})


@login_required
def image(request, name: str):
    """A screenshot of the guides (``docs/img/``), for the same staff who may read them."""
    _require_staff(request)
    path = guides.image_path(name)
    if path is None:
        raise Http404
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=3600"
    return response
