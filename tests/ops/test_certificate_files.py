"""A certificate whose PDF is gone from PRIVATE_MEDIA_ROOT is rendered again on download, not a 500."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from certificates.models import Certificate
from certificates.services.certificates import ensure_pdf, issue_annual_certificate
from core import timeutil
from tests.certificates.helpers import make_compliant, private_media  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_media")
YEAR = timeutil.current_year()


@pytest.fixture
def certificate(org_tree):
    official = UserFactory(full_name="张小三", org_unit=org_tree["shache_dept"])
    make_compliant(official, YEAR)
    return ensure_pdf(issue_annual_certificate(holder=official, year=YEAR).certificate)


def test_a_deleted_pdf_is_rendered_again_on_download(client_for, certificate):
    certificate.pdf.storage.delete(certificate.pdf.name)
    response = client_for(certificate.holder).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    certificate.refresh_from_db()
    assert certificate.pdf.storage.exists(certificate.pdf.name)  # on disk again for the next download


def test_an_existing_pdf_is_not_rendered_again(certificate):
    name = certificate.pdf.name
    folder = Path(certificate.pdf.path).parent
    ensure_pdf(Certificate.objects.get(pk=certificate.pk))
    assert Certificate.objects.get(pk=certificate.pk).pdf.name == name
    assert [p.name for p in folder.iterdir()] == [Path(name).name]
