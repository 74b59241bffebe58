"""Names stored outside the code still find the certificates app: task names in the broker and in
django-celery-beat, the bulk-issue job kind in ``jobs.Job`` rows, the audit actions, the files' paths."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest

from certificates.jobs import BULK_ISSUE, KIND
from certificates.models import Certificate, CertificateKind
from certificates.models.certificates import certificate_upload_to, seal_upload_to
from certificates.tasks import issue_annual_certificate, render_certificate
from config.celery import app
from jobs import registry
from tests.certificates.helpers import private_media  # noqa: F401


def test_tasks_keep_the_names_they_had_in_the_learning_app():
    app.loader.import_default_modules()
    assert issue_annual_certificate.name == "learning.tasks_certificates.issue_annual_certificate"
    assert render_certificate.name == "learning.tasks_certificates.render_certificate"
    assert {
        "learning.tasks_certificates.issue_annual_certificate",
        "learning.tasks_certificates.render_certificate",
    } <= set(app.tasks)
    assert not [name for name in app.tasks if name.startswith("certificates.")]


def test_the_bulk_issue_job_kind_keeps_its_name():
    assert KIND == "certificates.annual_bulk"
    assert registry.get(KIND) is BULK_ISSUE


def test_files_are_stored_where_the_learning_app_stored_them():
    certificate = Certificate(kind=CertificateKind.ANNUAL, year=2025, serial="KS-2025-TR-000007")
    assert certificate_upload_to(certificate, "x.pdf") == "certificates/2025/annual/KS-2025-TR-000007.pdf"
    assert seal_upload_to(None, "Seal.PNG") == "certificates/seal/seal.png"


@pytest.mark.django_db
def test_the_tables_and_content_types_are_the_learning_apps():
    from django.contrib.contenttypes.models import ContentType

    from certificates.models import CertificateSequence, CertificateSettings

    models = (Certificate, CertificateSequence, CertificateSettings)
    assert [m._meta.db_table for m in models] == [
        "learning_certificate",
        "learning_certificatesequence",
        "learning_certificatesettings",
    ]
    assert {ContentType.objects.get_for_model(m).app_label for m in models} == {"certificates"}


@pytest.mark.usefixtures("private_media")
def test_a_passed_exam_announced_by_the_exams_app_is_certified(org_tree):
    """``exams.signals.exam_passed`` (what the exams app is to send instead of finding this app by name)."""
    from exams.signals import exam_passed
    from tests.exams.factories_exams import exam
    from tests.factories import UserFactory

    holder = UserFactory(full_name="考试合格", org_unit=org_tree["shache_dept"])
    passed = exam()
    attempt = SimpleNamespace(user=holder, exam=passed, score=Decimal("90"))
    exam_passed.send(sender=None, attempt=attempt, hours=Decimal("2"), passed_on=dt.date(2026, 3, 9))
    exam_passed.send(sender=None, attempt=attempt, hours=Decimal("2"), passed_on=dt.date(2026, 3, 9))
    certificate = Certificate.objects.get(holder=holder)
    assert (certificate.kind, certificate.exam, certificate.year) == (CertificateKind.EXAM, passed, 2026)
    assert (certificate.details["score"], certificate.details["hours"]) == ("90", "2")
