from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, **kwargs):
    """The review's beat schedules, in every database (idempotent)."""
    from review.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()


class ReviewConfig(AppConfig):
    """The annual review (年审) of enforcement credentials: the year's rule, each credential's outcome, the at-risk
    list before year-end and the roster after it. Built on the ledger, the exams and the credential register."""

    name = "review"
    verbose_name = _("执法证年审")

    def ready(self):
        from django.db.models.signals import post_save

        from core import dashboard, navigation
        from exams.selectors.deletion import register_exam_reference
        from jobs import registry
        from learning.models import YearClose
        from learning.selectors.path import register_annual_exam, register_failed_reviews
        from learning.signals import hours_posted
        from notifications import kinds as notification_kinds
        from notifications import reminders
        from review import dashboard as review_dashboard
        from review import navigation as review_navigation
        from review import notifications as review_notifications
        from review import receivers
        from review.export import ROSTER_PDF, ROSTER_XLSX
        from review.selectors import path
        from review.selectors.review import exam_reference
        from review.services.nudges import RISK_NUDGE

        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="review_after_migrate")
        hours_posted.connect(receivers.reevaluate_after_makeup, dispatch_uid="review_reevaluate_after_makeup")
        post_save.connect(receivers.review_when_year_closed, sender=YearClose, dispatch_uid="review_when_year_closed")
        registry.register(ROSTER_PDF)
        registry.register(ROSTER_XLSX)
        registry.register(RISK_NUDGE)
        notification_kinds.register(*review_notifications.KINDS)
        reminders.register(*review_notifications.REMINDERS)
        register_annual_exam(path.annual_exam, rank=10)
        register_failed_reviews(path.failed_reviews, rank=10)
        # Between the study plans' sentence (30) and the certificates' (50).
        register_exam_reference("review.AnnualReviewRule", exam_reference, rank=45)
        # The ranks the review held inside learning: links after the certificates' 33, cards between 12 and 14.
        navigation.register(review_navigation.items, rank=34)
        dashboard.register(review_dashboard.cards, rank=13)
