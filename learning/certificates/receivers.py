"""Issue the annual certificate as soon as a posting brings an official over the requirement."""

from __future__ import annotations

from django.db import transaction


def issue_when_requirement_met(sender, entry, **kwargs) -> None:
    """Enqueue the (idempotent) issuing task unless the year's certificate already exists.

    The task, not this receiver, decides whether the person is due one.
    """
    from learning.models import Certificate, CertificateKind
    from learning.tasks_certificates import issue_annual_certificate

    if entry.hours <= 0:
        return
    if Certificate.objects.filter(kind=CertificateKind.ANNUAL, holder_id=entry.user_id, year=entry.year).exists():
        return
    user_id, year = entry.user_id, entry.year
    transaction.on_commit(lambda: issue_annual_certificate.delay(user_id, year))
