from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    """Annual, exam and course certificates: issued from what the ledger, the courses and the exams announce."""

    name = "certificates"
    verbose_name = _("证书")

    def ready(self):
        from certificates import (
            checks,  # noqa: F401  (registering the font check is the import's effect)
            receivers,
        )
        from certificates import dashboard as certificates_dashboard
        from certificates import navigation as certificates_navigation
        from certificates import notifications as certificates_notifications
        from certificates.jobs import BULK_ISSUE
        from certificates.selectors.certificates import exam_reference
        from core import dashboard, navigation
        from exams.selectors.deletion import register_exam_reference
        from exams.signals import exam_passed
        from jobs import registry
        from learning.signals import course_completed, hours_posted
        from notifications import kinds as notification_kinds

        registry.register(BULK_ISSUE)
        notification_kinds.register(*certificates_notifications.KINDS)
        hours_posted.connect(
            receivers.issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met"
        )
        course_completed.connect(receivers.issue_for_completed_course, dispatch_uid="certificates_course_completed")
        exam_passed.connect(receivers.issue_for_passed_exam, dispatch_uid="certificates_exam_passed")
        # After the review rules' sentence (45).
        register_exam_reference("certificates.Certificate", exam_reference, rank=50)
        # The ranks the certificates held inside learning (after the plans' 32/12, before the review's 34).
        navigation.register(certificates_navigation.items, rank=33)
        dashboard.register(certificates_dashboard.cards, rank=14)
