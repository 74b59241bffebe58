"""Reads about people, always through the scope rule."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts import scope
from accounts.drilldown import tree_order
from accounts.models import User


def staff_for(viewer: User) -> QuerySet[User]:
    """Everyone the viewer may see, with their unit loaded (one query for a page)."""
    return scope.filter_people(viewer, User.objects.select_related("org_unit")).order_by(tree_order(), "employee_no")


def staff_export_rows(queryset: QuerySet[User]):
    for user in queryset.iterator(chunk_size=2000):
        yield [
            user.employee_no,
            user.full_name,
            user.org_unit.full_path if user.org_unit_id else "",
            user.get_staff_category_display(),
            user.position,
            user.credential_no or "",
            user.phone,
            user.email or "",
            "是" if user.is_active else "否",
        ]
