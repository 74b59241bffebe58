"""What the certificates app does when the apps below it announce something (connected in ``CertificatesConfig.ready``).

* ``learning.signals.hours_posted``: the annual certificate, as soon as a posting brings an
  official over the requirement (in Celery);
* ``learning.signals.course_completed``: the course certificate;
* ``exams.signals.exam_passed``: the exam certificate (already in the worker).

Issuing is idempotent (one certificate per holder and year / course / exam is a database
constraint), so a signal sent twice issues nothing twice.
"""

from __future__ import annotations

from django.db import transaction


def issue_when_requirement_met(sender, entry, **kwargs) -> None:
    """Enqueue the (idempotent) issuing task unless the year's certificate already exists.

    The task, not this receiver, decides whether the person is due one.
    """
    from certificates.models import Certificate, CertificateKind
    from certificates.tasks import issue_annual_certificate

    if entry.hours <= 0:
        return
    if Certificate.objects.filter(kind=CertificateKind.ANNUAL, holder_id=entry.user_id, year=entry.year).exists():
        return
    user_id, year = entry.user_id, entry.year
    transaction.on_commit(lambda: issue_annual_certificate.delay(user_id, year))


def issue_for_completed_course(sender, user, course, completed_on, **kwargs) -> None:
    """The course certificate, right after the completion committed (as before the certificates app existed)."""
    from certificates.services.certificates import issue_course_certificate

    issue_course_certificate(holder=user, course=course, completed_on=completed_on)


def issue_for_passed_exam(sender, attempt, hours, passed_on, **kwargs) -> None:
    """The exam certificate of a passed attempt; the PDF follows in Celery."""
    from certificates.services.certificates import issue_exam_certificate

    issue_exam_certificate(
        holder=attempt.user, exam=attempt.exam, score=attempt.score, passed_on=passed_on, hours=hours or None
    )
