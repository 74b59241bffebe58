"""Issuing certificates: once per holder and year, only when due, automatically and in bulk."""

from __future__ import annotations

import io
import threading
import zipfile
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse

from accounts.models import Role
from certificates.models import Certificate, CertificateKind
from certificates.services.certificates import (
    NotEligible,
    issue_annual_certificate,
    new_verification_code,
    revoke_certificate,
    start_bulk_issue,
)
from core import timeutil
from jobs.models import Job
from learning.models import YearClose, YearStatus
from tests.auth import sign_in
from tests.certificates.helpers import make_compliant, private_media  # noqa: F401
from tests.factories import UserFactory
from tests.learning.factories import credit

pytestmark = pytest.mark.usefixtures("private_media")
YEAR = timeutil.current_year()


@pytest.fixture
def official(org_tree):
    return UserFactory(full_name="张小三", org_unit=org_tree["shache_dept"])


def test_issued_only_when_requirement_is_met(official):
    credit(official, hours="59.5")
    with pytest.raises(NotEligible, match="未达到要求"):
        issue_annual_certificate(holder=official, year=YEAR)
    assert not Certificate.objects.exists()


def test_second_issue_returns_the_first_certificate(official):
    make_compliant(official, YEAR)
    first = issue_annual_certificate(holder=official, year=YEAR)
    second = issue_annual_certificate(holder=official, year=YEAR)
    assert first.created and not second.created
    assert second.certificate.pk == first.certificate.pk
    assert Certificate.objects.count() == 1


def test_serials_count_up_per_kind_and_year(org_tree):
    people = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(3)]
    for person in people:
        make_compliant(person, YEAR)
    serials = [issue_annual_certificate(holder=p, year=YEAR).certificate.serial for p in people]
    assert serials == [f"KS-{YEAR}-TR-{n:06d}" for n in (1, 2, 3)]


def test_verification_code_has_at_least_80_random_bits():
    codes = {new_verification_code() for _ in range(200)}
    assert len(codes) == 200
    # base32: 5 bits per character.
    assert all(len(code) * 5 >= 80 and code.isalnum() for code in codes)


def test_database_refuses_a_second_annual_certificate(official):
    from django.db import IntegrityError, transaction

    make_compliant(official, YEAR)
    first = issue_annual_certificate(holder=official, year=YEAR).certificate
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            kind=CertificateKind.ANNUAL, holder=official, year=YEAR, serial="X-1", verification_code="X1", details={}
        )
    assert Certificate.objects.get().pk == first.pk


def test_crossing_the_requirement_issues_the_certificate(official, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        credit(official, hours="40", category="legal")
    assert not Certificate.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        credit(official, hours="20", category="professional")
    certificate = Certificate.objects.get(holder=official, year=YEAR, kind=CertificateKind.ANNUAL)
    assert certificate.details["hours"] == "60"
    assert certificate.pdf, "the task renders the PDF"
    with django_capture_on_commit_callbacks(execute=True):
        credit(official, hours="5")
    assert Certificate.objects.count() == 1


def test_closed_year_uses_the_frozen_status(org_tree):
    compliant_then = UserFactory(org_unit=org_tree["shache_dept"])
    behind_then = UserFactory(org_unit=org_tree["shache_dept"])
    make_compliant(behind_then, YEAR - 1)  # hours posted after the close do not count
    close = YearClose.objects.create(year=YEAR - 1)
    YearStatus.objects.create(
        close=close,
        user=compliant_then,
        year=YEAR - 1,
        hours=Decimal("61"),
        required_hours=Decimal("60"),
        by_category={"legal": "61"},
        compliant=True,
    )
    YearStatus.objects.create(
        close=close, user=behind_then, year=YEAR - 1, hours=Decimal("10"), required_hours=Decimal("60"), compliant=False
    )
    certificate = issue_annual_certificate(holder=compliant_then, year=YEAR - 1).certificate
    assert certificate.details["hours"] == "61" and certificate.details["frozen"] is True
    with pytest.raises(NotEligible):
        issue_annual_certificate(holder=behind_then, year=YEAR - 1)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_certificate_issued_concurrently_exists_once(org_tree):
    from learning.signals import hours_posted

    official = UserFactory(full_name="并发测试", org_unit=org_tree["shache_dept"])
    # Without the automatic issue on posting, so that the threads below are the first to issue.
    hours_posted.disconnect(dispatch_uid="certificates_issue_when_requirement_met")
    try:
        make_compliant(official, YEAR)
    finally:
        from certificates.receivers import issue_when_requirement_met

        hours_posted.connect(issue_when_requirement_met, dispatch_uid="certificates_issue_when_requirement_met")
    assert not Certificate.objects.exists()
    barrier = threading.Barrier(8)
    results, errors = [], []

    def issue():
        try:
            barrier.wait()
            results.append(issue_annual_certificate(holder=official, year=YEAR))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=issue) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert Certificate.objects.filter(holder=official).count() == 1
    assert sum(r.created for r in results) == 1
    assert len({r.certificate.pk for r in results}) == 1
    # The losers' serial numbers were rolled back with them.
    assert Certificate.objects.get().serial == f"KS-{YEAR}-TR-000001"
    assert connection.vendor == "postgresql"


# --- verification -----------------------------------------------------------------


def test_verification_shows_validity_kind_year_and_masked_name_only(client, official):
    make_compliant(official, YEAR)
    official.credential_no = "65310019001234"
    official.save()
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    response = client.get(reverse("verify:detail", args=[certificate.verification_code]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "有效" in body and "年度培训合格证明" in body and f"{YEAR} 年度" in body
    assert "张*三" in body
    for secret in ("张小三", "65310019001234", certificate.serial, "62.5", "莎车"):
        assert secret not in body


def test_code_can_be_typed_in_groups_and_lower_case(client, official):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    code = certificate.verification_code
    typed = "-".join(code[i : i + 4] for i in range(0, len(code), 4)).lower()
    response = client.get(reverse("verify:form"), {"code": typed}, follow=True)
    assert "张*三" in response.content.decode()


def test_revoked_certificate_verifies_as_revoked(client, official, admin_user):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    revoke_certificate(certificate=certificate, by=admin_user, reason="学时记录有误")
    body = client.get(reverse("verify:detail", args=[certificate.verification_code])).content.decode()
    assert "已撤销" in body
    assert "该证书真实有效" not in body


def test_admin_revokes_through_the_page_with_a_reason(client_for, official, admin_user):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    client = client_for(admin_user)
    url = reverse("certificates:revoke", args=[certificate.pk])
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 400 and "请填写撤销原因" in response.content.decode()
    certificate.refresh_from_db()
    assert certificate.revoked_at is None
    client.post(url, {"reason": "重复颁发"})
    certificate.refresh_from_db()
    assert certificate.revoke_reason == "重复颁发" and certificate.revoked_by == admin_user


def test_hr_cannot_revoke(client_for, official, hr_shache):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    response = client_for(hr_shache).post(reverse("certificates:revoke", args=[certificate.pk]), {"reason": "x"})
    assert response.status_code == 403
    certificate.refresh_from_db()
    assert certificate.revoked_at is None


def test_guessed_code_finds_nothing(client, official):
    make_compliant(official, YEAR)
    issue_annual_certificate(holder=official, year=YEAR)
    response = client.get(reverse("verify:detail", args=[new_verification_code()]))
    assert response.status_code == 404
    assert "未找到" in response.content.decode()


def test_verification_is_rate_limited(client, settings, db):
    settings.CERTIFICATE_VERIFY_RATE = 5
    statuses = [client.get(reverse("verify:detail", args=[f"GUESS{i}"])).status_code for i in range(7)]
    assert statuses[:5] == [404] * 5
    assert statuses[5:] == [429, 429]
    assert "请求过于频繁" in client.get(reverse("verify:detail", args=["X"])).content.decode()


# --- downloads --------------------------------------------------------------------


def test_official_downloads_own_certificate(client_for, official):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    response = client_for(official).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    assert data.startswith(b"%PDF")
    assert certificate.serial in response["Content-Disposition"]


def test_another_persons_certificate_cannot_be_downloaded(client_for, official, org_tree):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    colleague = UserFactory(org_unit=org_tree["shache_dept"])
    response = client_for(colleague).get(reverse("certificates:download", args=[certificate.pk]))
    assert response.status_code == 404


def test_hr_downloads_only_within_scope(client, official, org_tree, hr_shache):
    make_compliant(official, YEAR)
    certificate = issue_annual_certificate(holder=official, year=YEAR).certificate
    sign_in(client, hr_shache)
    assert client.get(reverse("certificates:download", args=[certificate.pk])).status_code == 200
    hr_shufu = UserFactory(org_unit=org_tree["shufu"], roles=[Role.HR])
    hr_shufu.scope_units.add(org_tree["shufu"])
    from tests.conftest import enable_totp

    enable_totp(hr_shufu)
    sign_in(client, hr_shufu)
    assert client.get(reverse("certificates:download", args=[certificate.pk])).status_code == 404


def test_pdfs_are_not_under_the_public_media_root(official, settings):
    make_compliant(official, YEAR)
    from certificates.services.certificates import ensure_pdf

    certificate = ensure_pdf(issue_annual_certificate(holder=official, year=YEAR).certificate)
    path = certificate.pdf.path
    assert str(settings.MEDIA_ROOT) not in path
    assert path.startswith(str(settings.PRIVATE_MEDIA_ROOT))
    with pytest.raises(ValueError):
        certificate.pdf.url  # noqa: B018


def test_my_certificates_page_lists_own_with_constant_queries(
    client_for, official, org_tree, django_assert_max_num_queries
):
    from tests.certificates.helpers import seal_png  # noqa: F401

    make_compliant(official, YEAR)
    make_compliant(official, YEAR - 1)
    issue_annual_certificate(holder=official, year=YEAR)
    issue_annual_certificate(holder=official, year=YEAR - 1)
    stranger = UserFactory(org_unit=org_tree["shache_dept"])
    make_compliant(stranger, YEAR)
    issue_annual_certificate(holder=stranger, year=YEAR)
    client = client_for(official)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("certificates:mine"))
    body = response.content.decode()
    assert body.count("下载 PDF") == 2
    assert Certificate.objects.get(holder=stranger).serial not in body


# --- bulk issue -------------------------------------------------------------------


def _staff(unit, n, compliant=True):
    people = [UserFactory(org_unit=unit) for _ in range(n)]
    for person in people:
        if compliant:
            make_compliant(person, YEAR)
        else:
            credit(person, hours="10")
    return people


def test_hr_cannot_bulk_issue_outside_scope(client_for, hr_shache, org_tree):
    _staff(org_tree["shufu_dept"], 2)
    response = client_for(hr_shache).post(reverse("certificates:bulk"), {"year": YEAR, "unit": org_tree["shufu"].pk})
    assert response.status_code == 403
    assert not Job.objects.exists()
    assert not Certificate.objects.exists()


def test_learner_cannot_open_bulk_issue(client_for, official):
    assert client_for(official).get(reverse("certificates:bulk")).status_code == 403


def test_hr_bulk_issue_for_a_unit_issues_the_due_and_zips_them(
    client_for, hr_shache, org_tree, django_capture_on_commit_callbacks
):
    due = _staff(org_tree["shache_dept"], 3)
    _staff(org_tree["shache_dept"], 2, compliant=False)
    outside = _staff(org_tree["shufu_dept"], 1)
    already = issue_annual_certificate(holder=due[0], year=YEAR).certificate
    client = client_for(hr_shache)
    page = client.get(reverse("certificates:bulk")).content.decode()
    assert "莎车县" in page and "疏附县" not in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("certificates:bulk"), {"year": YEAR, "unit": org_tree["shache"].pk})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("jobs:detail", args=[job.pk])
    status = client.get(reverse("jobs:status", args=[job.pk])).json()
    assert status["status"] == "done" and status["total"] == 3 and status["done"] == 3 and status["percent"] == 100
    assert Certificate.objects.filter(holder__in=due).count() == 3
    assert not Certificate.objects.filter(holder__in=outside).exists()
    assert Certificate.objects.get(holder=due[0]).pk == already.pk
    archive = client.get(status["download_url"])
    assert archive.status_code == 200
    with zipfile.ZipFile(io.BytesIO(b"".join(archive.streaming_content))) as zipped:
        names = zipped.namelist()
        assert len(names) == 3
        assert all(zipped.read(name).startswith(b"%PDF") for name in names)
        assert any(already.serial in name for name in names)


def test_bulk_job_of_another_hr_is_not_visible(client_for, hr_shache, org_tree, django_capture_on_commit_callbacks):
    _staff(org_tree["shache_dept"], 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_bulk_issue(requested_by=hr_shache, year=YEAR, unit=org_tree["shache"])
    hr_shufu = UserFactory(org_unit=org_tree["shufu"], roles=[Role.HR])
    hr_shufu.scope_units.add(org_tree["shufu"])
    from tests.conftest import enable_totp

    enable_totp(hr_shufu)
    client = client_for(hr_shufu)
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404


def test_bulk_rerun_issues_nothing_new(hr_shache, org_tree, django_capture_on_commit_callbacks):
    _staff(org_tree["shache_dept"], 3)
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            start_bulk_issue(requested_by=hr_shache, year=YEAR, unit=org_tree["shache"])
    assert Certificate.objects.count() == 3
    assert list(Job.objects.values_list("status", flat=True)) == ["done", "done"]


def test_bulk_issue_rejects_a_future_year(hr_shache, org_tree):
    from certificates.services.certificates import CertificateError

    with pytest.raises(CertificateError, match="年度"):
        start_bulk_issue(requested_by=hr_shache, year=YEAR + 1, unit=org_tree["shache"])


# --- command line -----------------------------------------------------------------


def test_issue_certificates_command_is_idempotent_and_writes_a_zip(org_tree, tmp_path):
    _staff(org_tree["shache_dept"], 2)
    _staff(org_tree["shufu_dept"], 1)
    target = tmp_path / "out.zip"
    out = io.StringIO()
    call_command("issue_certificates", "--year", str(YEAR), "--unit", "KS-SC", "--zip", str(target), stdout=out)
    assert "新颁发 2" in out.getvalue()
    with zipfile.ZipFile(target) as zipped:
        assert len(zipped.namelist()) == 2
    out = io.StringIO()
    call_command("issue_certificates", "--year", str(YEAR), stdout=out)
    assert "新颁发 1" in out.getvalue()
    assert Certificate.objects.count() == 3


def test_issue_certificates_command_rejects_unknown_unit(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="NOPE"):
        call_command("issue_certificates", "--year", str(YEAR), "--unit", "NOPE")


def test_typed_code_is_normalised():
    from certificates.selectors.certificates import normalise_code

    assert normalise_code(" abcd-efgh 0o18 ") == "ABCDEFGHOOIB"
    assert normalise_code("证书ABCD") == "ABCD"


def test_a_revoked_annual_certificate_is_not_replaced_automatically_but_an_admin_can_reissue_it(
    client, client_for, official, admin_user, hr_shache
):
    from accounts.models import AuditLog

    make_compliant(official, YEAR)
    old = issue_annual_certificate(holder=official, year=YEAR).certificate
    revoke_certificate(certificate=old, by=admin_user, reason="姓名有误")
    again = issue_annual_certificate(holder=official, year=YEAR)  # the automatic and bulk runs
    assert not again.created and again.certificate.pk == old.pk

    page = client_for(admin_user).get(reverse("certificates:revoke", args=[old.pk])).content.decode()
    assert 'data-testid="reissue-form"' in page
    url = reverse("certificates:reissue", args=[old.pk])
    assert client_for(hr_shache).post(url, {"reason": "更正"}).status_code == 403
    response = client_for(admin_user).post(url, {"reason": " "})
    assert response.status_code == 400 and "请填写重新颁发的原因" in response.content.decode()
    response = client_for(admin_user).post(url, {"reason": "姓名已更正"})
    assert response.status_code == 302
    new = Certificate.objects.get(holder=official, year=YEAR, revoked_at__isnull=True)
    assert new.pk != old.pk and new.serial != old.serial and new.verification_code != old.verification_code
    old.refresh_from_db()
    assert old.is_revoked
    log = AuditLog.objects.get(action="certificate_reissue")
    assert log.actor == admin_user and log.details["replaces"] == old.pk and "姓名已更正" in log.summary
    assert "该证书真实有效" in client.get(reverse("verify:detail", args=[new.verification_code])).content.decode()
    assert "已撤销" in client.get(reverse("verify:detail", args=[old.verification_code])).content.decode()
    response = client_for(admin_user).post(url, {"reason": "再来一次"})
    assert response.status_code == 400 and f"已有有效的证明 {new.serial}" in response.content.decode()
    assert issue_annual_certificate(holder=official, year=YEAR).certificate.pk == new.pk


def test_reissue_needs_the_requirement_still_met_and_a_revoked_annual_certificate(official, admin_user):
    from certificates.services.certificates import CertificateError, reissue_annual_certificate

    make_compliant(official, YEAR)
    valid = issue_annual_certificate(holder=official, year=YEAR).certificate
    with pytest.raises(CertificateError, match="只有已撤销的年度培训合格证明可以重新颁发"):
        reissue_annual_certificate(certificate=valid, by=admin_user, reason="x")
    revoke_certificate(certificate=valid, by=admin_user, reason="学时有误")
    from learning.models import LedgerEntry
    from learning.services.ledger import reverse_entry

    for entry in LedgerEntry.objects.filter(user=official, reverses__isnull=True):
        reverse_entry(entry=entry, reason="重复记录", recorded_by=admin_user)
    with pytest.raises(NotEligible, match="未达到要求"):
        reissue_annual_certificate(certificate=valid, by=admin_user, reason="更正")
    assert Certificate.objects.filter(holder=official).count() == 1


def test_database_allows_one_valid_certificate_beside_revoked_ones(official, admin_user):
    from django.db import IntegrityError, transaction

    make_compliant(official, YEAR)
    first = issue_annual_certificate(holder=official, year=YEAR).certificate
    revoke_certificate(certificate=first, by=admin_user, reason="错误")
    fields = {"kind": CertificateKind.ANNUAL, "holder": official, "year": YEAR, "details": {}}
    Certificate.objects.create(serial="X-1", verification_code="X1", **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(serial="X-2", verification_code="X2", **fields)
