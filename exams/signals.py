"""Signals other apps listen to, so the exams app never imports them.

``exam_passed(sender=ExamAttempt, attempt=..., hours=..., passed_on=...)`` is sent in the
worker once a pass has committed (``exams.tasks.issue_exam_certificate``): ``hours`` is
what the pass credited (``None`` for none), ``passed_on`` the local date it counts for.
A redelivered task sends it again, so receivers must be idempotent.
"""

from django.dispatch import Signal

exam_passed = Signal()
