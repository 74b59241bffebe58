from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PlansConfig(AppConfig):
    """Study plans (学法清单): the courses and exams a year's plan requires of a group of officials, each
    official's progress and HR's completion report. Built on the courses, the exams and learning's progress."""

    name = "plans"
    verbose_name = _("学法清单")

    def ready(self):
        from cms.extensions import register_learner_records
        from core import dashboard, navigation
        from exams.audience import register_extension
        from exams.selectors.deletion import register_exam_reference
        from learning.selectors.path import register_required_courses
        from notifications import kinds as notification_kinds
        from notifications import reminders
        from plans import dashboard as plans_dashboard
        from plans import navigation as plans_navigation
        from plans import notifications as plans_notifications
        from plans.selectors.plans import (
            course_records,
            exam_reference,
            plan_exam_ids,
            plan_people_for_exam,
            required_course_ids,
        )

        # A study plan that lists an exam admits the plan's people to it and its make-ups.
        register_extension(exam_ids_for_user=plan_exam_ids, people_for_exam=plan_people_for_exam)
        # "我的达标路径" and the catalogue's 必修 flag: what the official's plans require.
        register_required_courses(required_course_ids, rank=10)
        # A course a plan lists is not deleted; an exam a plan lists neither (after make-ups 20, before review 45).
        register_learner_records(course_records)
        notification_kinds.register(*plans_notifications.KINDS)
        reminders.register(*plans_notifications.REMINDERS)
        register_exam_reference("plans.StudyPlanItem", exam_reference, rank=30)
        # The ranks the plans held inside learning: links between the classroom's 31 and the certificates' 33,
        # cards between the classroom's 11 and the review's 13.
        navigation.register(plans_navigation.items, rank=32)
        dashboard.register(plans_dashboard.cards, rank=12)
