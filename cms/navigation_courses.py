"""Navigation entry for the course catalogue (``cms.navigation.items`` includes it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem


def items(user) -> list[NavItem]:
    from cms.models import CourseIndexPage

    if not user.is_authenticated:
        return []
    # Only what ``.url`` reads: the page itself is not needed, just where it sits.
    index = CourseIndexPage.objects.live().order_by("path").only("url_path").first()
    return [NavItem(_("课程中心"), index.url, 30, "main")] if index else []
