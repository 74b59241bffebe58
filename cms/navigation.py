"""Navigation entries of the cms app (registered in ``CmsConfig.ready``, see ``core.navigation``)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from cms import navigation_courses
from core.navigation import NavItem


def items(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    return [
        *navigation_courses.items(user),
        NavItem(_("法规库"), reverse("laws:law_list"), 40, "main"),
        NavItem(_("搜索"), reverse("search:search"), 45, "main"),
    ]
