"""Menu items of the exams app's admin pages that are shown only to some users."""

from __future__ import annotations

from wagtail.admin.menu import MenuItem


class ImportMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm("exams.add_question")


class HelpMenuItem(MenuItem):
    def is_shown(self, request):
        from accounts.help import can_read_help

        return can_read_help(request.user)
