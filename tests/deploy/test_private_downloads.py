"""Certificate downloads: streamed by Django, or handed to nginx with X-Accel-Redirect.

With ``PRIVATE_MEDIA_ACCEL_REDIRECT`` set (behind nginx, deploy/nginx.conf) the view still
checks who is asking, then answers with no body and the path of the file under nginx's
``internal`` location; without it the view streams the file itself.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.urls import reverse

from certificates.services.certificates import issue_annual_certificate
from core import timeutil
from tests.certificates.helpers import make_compliant, private_media  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_media")
YEAR = timeutil.current_year()


@pytest.fixture
def certificate(org_tree):
    holder = UserFactory(full_name="张小三", org_unit=org_tree["shache_dept"])
    make_compliant(holder, YEAR)
    return issue_annual_certificate(holder=holder, year=YEAR).certificate


def test_certificate_is_streamed_without_accel_setting(client_for, certificate, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = ""
    response = client_for(certificate.holder).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 200
    assert "X-Accel-Redirect" not in response
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_certificate_is_handed_to_nginx_with_accel_setting(client_for, certificate, settings):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private/"
    response = client_for(certificate.holder).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert certificate.serial in response["Content-Disposition"]
    certificate.refresh_from_db()
    assert response["X-Accel-Redirect"] == f"/_private/{certificate.pdf.name}"
    # nginx's internal location maps /_private/ onto PRIVATE_MEDIA_ROOT: the named file is the PDF.
    on_disk = settings.PRIVATE_MEDIA_ROOT / unquote(response["X-Accel-Redirect"].removeprefix("/_private/"))
    assert on_disk.read_bytes().startswith(b"%PDF")


def test_accel_answer_still_checks_who_is_asking(client_for, certificate, settings, org_tree):
    settings.PRIVATE_MEDIA_ACCEL_REDIRECT = "/_private/"
    colleague = UserFactory(org_unit=org_tree["shache_dept"])
    response = client_for(colleague).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 404
    assert "X-Accel-Redirect" not in response
