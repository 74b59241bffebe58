from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClassroomConfig(AppConfig):
    """Classroom sessions, QR check-in and attendance: an activity that posts credits to learning's ledger."""

    name = "classroom"
    verbose_name = _("面授培训")

    def ready(self):
        from classroom import dashboard as classroom_dashboard
        from classroom import navigation as classroom_navigation
        from classroom import notifications as classroom_notifications
        from classroom.jobs import ATTENDANCE_IMPORT
        from classroom.selectors.path import path_items
        from core import dashboard, navigation
        from jobs import registry
        from learning.models import SourceKind
        from learning.notifications import register_announced_source
        from learning.selectors.path import register_source
        from notifications import kinds as notification_kinds
        from notifications import reminders

        registry.register(ATTENDANCE_IMPORT)
        notification_kinds.register(*classroom_notifications.KINDS)
        reminders.register(*classroom_notifications.REMINDERS)
        # The attendance message says the hours: the ledger does not announce these credits again.
        register_announced_source(SourceKind.SESSION, SourceKind.MEETING)
        # The ranks the sessions held inside learning (between the ledger's 30/10 and the plans' 32/12).
        navigation.register(classroom_navigation.items, rank=31)
        dashboard.register(classroom_dashboard.cards, rank=11)
        register_source(path_items, rank=10)
