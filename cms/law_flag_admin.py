"""Wagtail admin glue for the 法规修订提醒 (registered from ``cms/wagtail_hooks.py``): the pages and the dashboard panel."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.components import Component
from wagtail.admin.viewsets.base import ViewSet

from cms.selectors import law_flags as selectors
from cms.views import law_flags as views


class LawFlagMenuItem(MenuItem):
    def is_shown(self, request):
        return bool(selectors.flag_sources(request.user))


class LawFlagViewSet(ViewSet):
    name = "law_flags"
    url_prefix = "law-flags"
    icon = "warning"
    menu_icon = "warning"
    menu_label = _("法规修订提醒")
    menu_order = 260
    add_to_admin_menu = True
    menu_item_class = LawFlagMenuItem

    def get_urlpatterns(self):
        return [
            path("", views.flag_index, name="index"),
            path("<slug:source_key>/<int:pk>/", views.flag_detail, name="detail"),
        ]


class LawFlagsPanel(Component):
    """The dashboard's list of open flags on the content the signed-in trainer may edit."""

    name = "law_flags"
    template_name = "cms/admin/law_flags/panel.html"
    order = 90

    def __init__(self, user):
        self.user = user

    def get_context_data(self, parent_context):
        rows, total = selectors.panel_rows(self.user)
        return {"rows": rows, "total": total}

    def render_html(self, parent_context=None):
        if not selectors.flag_sources(self.user):
            return ""
        return super().render_html(parent_context)


def register_law_flag_viewset():
    return LawFlagViewSet()


def add_law_flags_panel(request, panels):
    panels.append(LawFlagsPanel(request.user))
