"""Signals other apps listen to, so the exams app never imports them.

``pass_recorded(sender=ExamAttempt, attempt=..., earned_on=...)`` is sent inside the
transaction that grades ``attempt`` as a pass (once per attempt; ``earned_on`` is the
local date the pass counts for). Receivers may write in that transaction — the ledger
credits the exam's hours there — and one that credits hours returns them (a
``Decimal``, or ``None`` for none); what they return is the ``hours`` of ``exam_passed``.

``exam_passed(sender=ExamAttempt, attempt=..., hours=..., passed_on=...)`` is sent in the
worker once a pass has committed (``exams.tasks.issue_exam_certificate``): ``hours`` is
what the pass credited (``None`` for none), ``passed_on`` the local date it counts for.
A redelivered task sends it again, so receivers must be idempotent.
"""

from django.dispatch import Signal

pass_recorded = Signal()
exam_passed = Signal()
