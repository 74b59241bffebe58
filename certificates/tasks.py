"""Celery tasks for certificates: thin, idempotent wrappers around ``certificates.services.certificates``.

The tasks keep the names they were registered under inside the learning app
(``learning.tasks_certificates.*``): messages waiting in the broker, the routes
in ``config/settings/base.py`` and anything scheduled refer to them by name.
The bulk run is a job kind (``certificates.jobs``) run by the jobs app's tasks
(``jobs.tasks.*``).
"""

from __future__ import annotations

from celery import shared_task

__all__ = [
    "issue_annual_certificate",
    "render_certificate",
]


@shared_task(name="learning.tasks_certificates.issue_annual_certificate", acks_late=True)
def issue_annual_certificate(user_id: int, year: int) -> str | None:
    """Issue and render the year's certificate if the person is due one; re-running issues nothing new."""
    from accounts.models import User
    from certificates.services.certificates import NotEligible, ensure_pdf
    from certificates.services.certificates import issue_annual_certificate as issue

    holder = User.objects.select_related("org_unit").filter(pk=user_id).first()
    if holder is None:
        return None
    try:
        result = issue(holder=holder, year=year)
    except NotEligible:
        return None
    if not result.certificate.is_revoked:
        ensure_pdf(result.certificate)
    return result.certificate.serial


@shared_task(name="learning.tasks_certificates.render_certificate", acks_late=True)
def render_certificate(certificate_id: int) -> None:
    from certificates.models import Certificate
    from certificates.services.certificates import ensure_pdf

    certificate = Certificate.objects.filter(pk=certificate_id, revoked_at__isnull=True).first()
    if certificate is not None:
        ensure_pdf(certificate)
