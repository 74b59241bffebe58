"""What HR and an official see: a bulk issue that finishes with a ZIP; a certificate that verifies."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from certificates.models import Certificate
from core import timeutil
from tests.browser.conftest import DESKTOP, PHONE
from tests.certificates.helpers import make_compliant, pdf_text, private_media  # noqa: F401
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("private_media")]
YEAR = timeutil.current_year()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_hr_bulk_issues_a_unit_and_downloads_the_zip(
    page_at, login_as, live_server, hr_shache, org_tree, viewport, tmp_path
):
    people = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(3)]
    for person in people:
        make_compliant(person, YEAR)
    page = login_as(page_at(*viewport), hr_shache)
    page.goto(f"{live_server.url}/certificates/bulk/")
    page.select_option("#id_year", str(YEAR))
    page.select_option("#id_unit", str(org_tree["shache"].pk))
    page.get_by_role("button", name="开始颁发").click()
    page.wait_for_url("**/jobs/*/")
    page.get_by_test_id("job-status").filter(has_text="已完成").wait_for()
    assert page.get_by_test_id("job-count").inner_text() == "3 / 3"
    with page.expect_download() as download_info:
        page.get_by_test_id("job-download").click()
    target = tmp_path / "bulk.zip"
    download_info.value.save_as(target)
    with zipfile.ZipFile(target) as zipped:
        names = zipped.namelist()
        assert len(names) == 3
        serials = set(Certificate.objects.filter(holder__in=people).values_list("serial", flat=True))
        assert {name[: len(next(iter(serials)))] for name in names} == serials
        assert people[0].full_name in pdf_text(zipped.read(next(n for n in names if people[0].full_name in n)))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_official_downloads_certificate_and_verifies_it(page_at, login_as, live_server, org_tree, viewport, tmp_path):
    official = UserFactory(full_name="艾力·买买提", org_unit=org_tree["shache_dept"])
    make_compliant(official, YEAR)  # crossing the requirement issues the certificate
    certificate = Certificate.objects.get(holder=official)
    page = login_as(page_at(*viewport), official)
    page.goto(f"{live_server.url}/certificates/")
    assert certificate.serial in page.get_by_test_id("certificate-list").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="下载 PDF").click()
    target = Path(tmp_path) / "mine.pdf"
    download_info.value.save_as(target)
    text = pdf_text(target.read_bytes())
    assert "艾力·买买提" in text and certificate.serial in text

    anonymous = page_at(*viewport)
    anonymous.goto(f"{live_server.url}/verify/")
    anonymous.fill("#id_code", certificate.verification_code.lower())
    anonymous.get_by_role("button", name="验证").click()
    result = anonymous.get_by_test_id("verify-result")
    assert "有效" in result.inner_text()
    assert anonymous.get_by_test_id("masked-name").inner_text() == "艾*·买买提"
    assert "买买提" in result.inner_text() and "艾力" not in result.inner_text()
    assert io.BytesIO(target.read_bytes()).read(4) == b"%PDF"
