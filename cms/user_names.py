"""The CMS names a person by their name (姓名), never by their 工号.

``accounts.User`` keeps one ``full_name`` and no ``first_name``/``last_name``, and answers
``get_full_name()``/``get_short_name()`` with it; Wagtail names users through
``get_full_name()`` (``wagtail.admin.utils.get_user_display_name``) almost everywhere —
page history, "edited by", workflow and review lists, site history. Two places of Wagtail 8
do not, and would show the 工号 (``get_username()``):

* the sidebar's account menu reads ``user.first_name``: its telepath adapter is registered
  again (``register_sidebar_adapter``, called from ``cms/wagtail_hooks.py``), naming the user
  with ``get_user_display_name``;
* the aging-pages report (and its export) names who published last with ``get_username()``:
  ``AgingPagesView`` below answers its addresses (``admin_urls_ahead``, routed in
  ``config/urls.py`` ahead of Wagtail's own).

``tests/cms/test_wagtail_user_names.py`` opens each page that names someone.
"""

from __future__ import annotations

from django.urls import path
from wagtail.admin.auth import require_admin_access
from wagtail.admin.telepath import register
from wagtail.admin.ui.sidebar import BaseSidebarAdapter, MainMenuModule
from wagtail.admin.utils import get_user_display_name
from wagtail.admin.views.reports import aging_pages


class MainMenuModuleAdapter(BaseSidebarAdapter):
    """Wagtail's sidebar menu with the account menu naming the user by ``get_full_name()``."""

    js_constructor = "wagtail.sidebar.MainMenuModule"

    def js_args(self, obj):
        menu_items, account_menu_items, account = obj.js_args()
        return [menu_items, account_menu_items, {**account, "name": get_user_display_name(obj.user)}]


def register_sidebar_adapter() -> None:
    """Pack Wagtail's ``MainMenuModule`` with the adapter above instead of Wagtail's own."""
    register(MainMenuModuleAdapter(), MainMenuModule)


class AgingPagesView(aging_pages.AgingPagesView):
    """Wagtail's aging-pages report, naming who published each page last by name (one query per page of results)."""

    def decorate_paginated_queryset(self, queryset):
        user_ids = set(queryset.values_list("last_published_by", flat=True))
        names = {user.pk: get_user_display_name(user) for user in self.user_model.objects.filter(pk__in=user_ids)}
        for page in queryset:
            self.add_last_publisher_name_to_page(names, page)
        return queryset


#: Wagtail's own addresses of the report (under the CMS prefix), answered by the view above.
admin_urls_ahead = [
    path("reports/aging-pages/", require_admin_access(AgingPagesView.as_view()), name="cms_aging_pages"),
    path(
        "reports/aging-pages/results/",
        require_admin_access(AgingPagesView.as_view(results_only=True)),
        name="cms_aging_pages_results",
    ),
]
