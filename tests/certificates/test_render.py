"""Certificates as PDFs: Chinese and Latin text survive, the font is embedded, the QR code decodes."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from wagtail.models import Page

from certificates.checks import certificate_font_check
from certificates.masking import mask_name
from certificates.models import CertificateSettings
from certificates.render import verification_url
from certificates.services.certificates import (
    ensure_pdf,
    issue_annual_certificate,
    issue_course_certificate,
    issue_exam_certificate,
)
from certificates.validators import validate_seal_image
from core import timeutil
from tests.certificates.helpers import (
    embedded_truetype_fonts,
    make_compliant,
    pdf_text,
    private_media,  # noqa: F401
    qr_codes_in_pdf,
    seal_png,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_media")
YEAR = timeutil.current_year()


@pytest.fixture
def official(org_tree):
    return UserFactory(
        full_name="艾力·买买提", org_unit=org_tree["shache_dept"], credential_no="65310019001234", employee_no="KS0042"
    )


@pytest.fixture
def with_seal(db):
    cert_settings = CertificateSettings.load()
    cert_settings.seal.save("seal.png", SimpleUploadedFile("seal.png", seal_png(), "image/png"))
    return cert_settings


def _exam():
    from exams.models import Exam

    now = timezone.now()
    return Exam.objects.create(
        title="2026年度行政执法人员法律知识考试",
        opens_at=now - dt.timedelta(days=1),
        closes_at=now + dt.timedelta(days=1),
    )


def _course():
    root = Page.get_first_root_node()
    return root.add_child(instance=Page(title="《行政处罚法》精讲", slug="xzcf-cert-test"))


def _pdf(certificate) -> bytes:
    ensure_pdf(certificate)
    certificate.refresh_from_db()
    with certificate.pdf.open("rb") as handle:
        return handle.read()


def _assert_readable(data: bytes, certificate, *expected: str) -> None:
    text = pdf_text(data)
    for piece in (certificate.details["name"], certificate.serial, *expected):
        assert piece in text, f"{piece!r} missing from the PDF text"
    fonts = embedded_truetype_fonts(data)
    assert any("WenQuanYi" in name for name in fonts), fonts
    assert qr_codes_in_pdf(data) == [verification_url(certificate.verification_code)]


def test_annual_certificate_prints_name_serial_hours_and_date(official, with_seal):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    data = _pdf(certificate)
    today = timeutil.today()
    _assert_readable(
        data, certificate, "62.5", "24.5", "法律知识", "65310019001234", f"{today.year}年{today.month}月{today.day}日"
    )
    assert f"{certificate.serial}".startswith(f"KS-{YEAR}-TR-")


def test_exam_certificate_prints_exam_score_and_date(official):
    exam = _exam()
    certificate = issue_exam_certificate(
        holder=official, exam=exam, score=Decimal("92.5"), passed_on=dt.date(YEAR, 5, 10)
    ).certificate
    data = _pdf(certificate)
    _assert_readable(data, certificate, "92.5", "法律知识考试", f"{YEAR}年5月10日")
    assert certificate.serial.startswith(f"KS-{YEAR}-EX-")


def test_course_certificate_prints_course_hours_and_date(official):
    course = _course()
    certificate = issue_course_certificate(
        holder=official, course=course, completed_on=dt.date(YEAR, 3, 9), hours=Decimal("8")
    ).certificate
    data = _pdf(certificate)
    _assert_readable(data, certificate, "行政处罚法", "8 学时", f"{YEAR}年3月9日")
    assert certificate.serial.startswith(f"KS-{YEAR}-CO-")


def test_pdf_is_a4_landscape(official):
    from pypdf import PdfReader

    make_compliant(official, YEAR)
    data = _pdf(issue_annual_certificate(holder=official, year=YEAR).certificate)
    box = PdfReader(io.BytesIO(data)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


# --- the font system check --------------------------------------------------------


def test_font_check_passes_with_the_configured_font(db):
    assert certificate_font_check() == []


def test_font_check_fails_naming_the_package_when_font_is_missing(settings, tmp_path):
    settings.CERTIFICATE_FONT_PATH = str(tmp_path / "nope.ttc")
    errors = certificate_font_check()
    assert len(errors) == 1
    assert errors[0].id == "certificates.E101"
    assert "apt-get install fonts-wqy-microhei" in errors[0].msg


def test_font_check_fails_for_a_font_without_chinese(settings):
    settings.CERTIFICATE_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    errors = certificate_font_check()
    assert errors and "缺少字符" in errors[0].msg


def test_font_check_fails_for_cff_opentype(settings, tmp_path):
    fake = tmp_path / "NotoSansCJK.otf"
    fake.write_bytes(b"OTTO" + b"\0" * 64)
    settings.CERTIFICATE_FONT_PATH = str(fake)
    errors = certificate_font_check()
    assert errors and "CFF" in errors[0].msg


def test_rendering_refuses_without_a_usable_font(settings, official, tmp_path):
    from certificates.render import CertificateRenderError

    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    settings.CERTIFICATE_FONT_PATH = str(tmp_path / "missing.ttf")
    with pytest.raises(CertificateRenderError, match="fonts-wqy-microhei"):
        ensure_pdf(certificate)
    certificate.refresh_from_db()
    assert not certificate.pdf


# --- names on the public page, and the seal upload --------------------------------


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("张三", "张*"),
        ("张小三", "张*三"),
        ("欧阳小明", "欧**明"),
        ("艾力·买买提", "艾*·买买提"),
        ("阿卜杜拉·艾力·买买提", "阿***·**·买买提"),
        ("王", "*"),
    ],
)
def test_name_masking(name, masked):
    assert mask_name(name) == masked


def test_seal_must_be_a_real_image():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="不是有效的图片"):
        validate_seal_image(SimpleUploadedFile("seal.png", b"<?php echo 1; ?>", "image/png"))


def test_seal_size_is_limited():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="过大"):
        validate_seal_image(SimpleUploadedFile("seal.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), "image/png"))


def test_seal_png_is_accepted():
    validate_seal_image(SimpleUploadedFile("seal.png", seal_png(), "image/png"))
