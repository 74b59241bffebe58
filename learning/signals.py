"""Signals other apps listen to, so the ledger never imports them.

``hours_posted(sender=LedgerEntry, entry=...)`` is sent after the transaction
that created ``entry`` commits (credits and reversals alike).

``course_completed(sender=CourseCompletion, user=..., course=..., completed_on=...)``
is sent after the transaction that completed a course for a learner, and posted its
hours, commits; once per learner and course.
"""

from django.dispatch import Signal

hours_posted = Signal()
course_completed = Signal()
