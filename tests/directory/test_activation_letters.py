"""Activation letters: who HR may print for, what the PDF holds, the job for large units, the reset, the import's link."""

import io
import re
import subprocess

import pytest
import zxingcpp
from django.test import Client
from django.urls import reverse
from PIL import Image
from pypdf import PdfReader

from accounts.models import ActivationCode, AuditLog, Role
from accounts.services.activation import ActivationError, check_code, issue_codes
from directory import letters
from directory.letters import activation_url
from jobs.models import Job
from tests.accounts.xlsx_files import HEADERS, staff_file
from tests.factories import UserFactory

CODE = re.compile(r"\b[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}\b")
LETTERS = reverse("directory:activation_letters")


def pending(**kwargs):
    person = UserFactory(**kwargs)
    person.set_unusable_password()
    person.save()
    return person


@pytest.fixture
def people(org_tree):
    """Two people of 莎车县 and one of 疏附县 who cannot sign in yet, and one of 莎车县 who can."""
    return {
        "aygul": pending(full_name="阿依古丽·吐尔逊", employee_no="SC001", org_unit=org_tree["shache_dept"]),
        "li": pending(full_name="李建华", employee_no="SC002", org_unit=org_tree["shache"]),
        "shufu": pending(full_name="热合曼·库尔班", employee_no="SF001", org_unit=org_tree["shufu_dept"]),
        "active": UserFactory(full_name="王建国", employee_no="SC003", org_unit=org_tree["shache_dept"]),
    }


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def codes_by_number(data: bytes) -> dict[str, str]:
    """``{工号: code}`` read back from the letters (one letter per page) by poppler's ``pdftotext``, as laid out."""
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=data, check=True, capture_output=True
    ).stdout.decode()
    found = {}
    for page in text.split("\f"):
        if page.strip():
            number = re.search(r"工号\s*[:：]?\s*([A-Z0-9]+)", page).group(1)
            found[number] = CODE.search(page).group(0)
    return found


def _post(client, **data):
    return client.post(LETTERS, {"layout": "page", "confirm": "on", **data})


# --- the page -----------------------------------------------------------------------------


def test_hr_prints_a_units_letters_with_names_and_working_codes(client_for, hr_shache, people, org_tree):
    old = issue_codes(user_ids=[people["aygul"].pk], actor=None, via="test")[0]
    client = client_for(hr_shache)
    preview = client.get(LETTERS, {"unit": org_tree["shache"].pk})
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "将为 <strong>2</strong> 人打印开通通知书" in html
    assert "阿依古丽·吐尔逊" in html and "李建华" in html
    assert "王建国" not in html and "热合曼" not in html
    assert "原有的激活码立即作废" in html

    response = _post(client, unit=org_tree["shache"].pk, only_pending="on")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="activation-letters-KS-SC-')
    data = response.content
    text = pdf_text(data)
    for words in ("账号开通通知书", "阿依古丽·吐尔逊", "李建华", "莎车县市场监督管理局", activation_url(), "有效期至"):
        assert words in text, words
    codes = codes_by_number(data)
    assert set(codes) == {"SC001", "SC002"}
    for number, code in codes.items():
        assert check_code(employee_no=number, code=code).user.employee_no == number
    with pytest.raises(ActivationError):
        check_code(employee_no="SC001", code=old.code)
    entry = AuditLog.objects.filter(action="activation.issue", actor=hr_shache).get()
    assert sorted(entry.details["employee_nos"]) == ["SC001", "SC002"]
    assert entry.details["via"] == "letters"


def test_the_pdf_renders_and_its_qr_code_opens_the_activation_page(client_for, hr_shache, people, tmp_path):
    response = _post(client_for(hr_shache), employee_nos="SC001")
    pdf = tmp_path / "letters.pdf"
    pdf.write_bytes(response.content)
    subprocess.run(
        ["pdftoppm", "-r", "110", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")], check=True
    )
    image = Image.open(next(tmp_path.glob("page*.png")))
    assert image.size[0] < image.size[1]  # A4 portrait
    assert [code.text for code in zxingcpp.read_barcodes(image)] == [activation_url()]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True).stdout
    assert "阿依古丽·吐尔逊" in text and CODE.search(text)


def test_slips_put_three_letters_on_a_page(client_for, admin_user, org_tree):
    for i in range(4):
        pending(employee_no=f"SL00{i}", org_unit=org_tree["shufu_dept"])
    response = _post(client_for(admin_user), unit=org_tree["shufu"].pk, only_pending="on", layout="slips")
    reader = PdfReader(io.BytesIO(response.content))
    assert len(reader.pages) == 2
    assert len(CODE.findall(reader.pages[0].extract_text())) == 3
    assert len(CODE.findall(reader.pages[1].extract_text())) == 1
    assert "沿虚线裁开" in reader.pages[0].extract_text()


def test_nothing_is_printed_without_the_confirmation(client_for, hr_shache, people, org_tree):
    response = _post(client_for(hr_shache), unit=org_tree["shache"].pk, only_pending="on", confirm="")
    assert response.status_code == 400
    assert "请勾选确认" in response.content.decode()
    assert not ActivationCode.objects.exists()
    assert not AuditLog.objects.filter(action="activation.issue").exists()


def test_hr_of_one_county_cannot_print_anothers(client_for, hr_shache, people, org_tree):
    client = client_for(hr_shache)
    response = _post(client, unit=org_tree["shufu"].pk, only_pending="on")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert "热合曼" not in response.content.decode()
    response = _post(client, employee_nos="SC001 SF001")
    html = response.content.decode()
    assert response.status_code == 400
    assert "以下工号不存在或不在您的管辖范围内：SF001" in html
    assert "热合曼" not in html
    assert not ActivationCode.objects.exists()
    # Nor reset anyone there: the person does not exist for them.
    reset = reverse("directory:staff_reset_access", args=["SF001"])
    assert client.get(reset).status_code == 404
    assert client.post(reset, {"confirm": "yes"}).status_code == 404
    assert not ActivationCode.objects.exists()


def test_hr_leaves_out_privileged_people_which_an_administrator_prints(client_for, hr_shache, admin_user, org_tree):
    trainer = pending(full_name="培训员甲", employee_no="SC009", org_unit=org_tree["shache_dept"], roles=[Role.TRAINER])
    learner = pending(full_name="学员乙", employee_no="SC010", org_unit=org_tree["shache_dept"])
    html = client_for(hr_shache).get(LETTERS, {"unit": org_tree["shache"].pk}).content.decode()
    assert "将为 <strong>1</strong> 人" in html and "学员乙" in html and "培训员甲" not in html
    assert "只能由系统管理员打印" in html
    response = _post(Client(), unit=org_tree["shache"].pk, only_pending="on")  # anonymous
    assert response.status_code == 403
    from tests.auth import sign_in

    admin_client = sign_in(Client(), admin_user)
    response = _post(admin_client, employee_nos=f"{trainer.employee_no} {learner.employee_no}")
    text = pdf_text(response.content)
    assert "培训员甲" in text and "学员乙" in text
    assert "两步验证" in text  # the trainer's letter says TOTP comes next


def test_named_people_print_even_when_they_can_sign_in_already(client_for, hr_shache, people):
    client = client_for(hr_shache)
    preview = client.get(LETTERS + "?no=SC003&no=SC001").content.decode()
    assert "将为 <strong>2</strong> 人" in preview
    response = _post(client, employee_nos="SC003 SC001")
    assert set(codes_by_number(response.content)) == {"SC001", "SC003"}
    people["active"].refresh_from_db()
    assert people["active"].has_usable_password()  # a letter alone does not close the old password


def test_a_malformed_number_is_named(client_for, hr_shache, people):
    response = _post(client_for(hr_shache), employee_nos="SC001 坏工号")
    assert response.status_code == 400
    assert "工号格式不对：坏工号" in response.content.decode()
    assert not ActivationCode.objects.exists()


def test_the_preview_reads_a_fixed_number_of_queries(client_for, hr_shache, org_tree, django_assert_max_num_queries):
    for i in range(40):
        pending(employee_no=f"Q{i:03d}", org_unit=org_tree["shache_dept"])
    client = client_for(hr_shache)
    client.get(LETTERS, {"unit": org_tree["shache"].pk})
    with django_assert_max_num_queries(16):
        response = client.get(LETTERS, {"unit": org_tree["shache"].pk})
    assert "将为 <strong>40</strong> 人" in response.content.decode()
    assert "及其他 20 人" in response.content.decode()


def test_without_a_usable_font_nothing_changes(client_for, hr_shache, people, settings):
    issue_codes(user_ids=[people["aygul"].pk], actor=None, via="test")
    before = list(ActivationCode.objects.values_list("pk", "revoked_at"))
    settings.CERTIFICATE_FONT_PATH = "/nonexistent/font.ttc"
    response = _post(client_for(hr_shache), employee_nos="SC001 SC002")
    assert response.status_code == 400
    assert "证书字体文件不存在" in response.content.decode()
    assert list(ActivationCode.objects.values_list("pk", "revoked_at")) == before


# --- many people: a job --------------------------------------------------------------


def test_a_large_unit_is_printed_by_a_job_in_parts(
    client_for, hr_shache, org_tree, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.ACTIVATION_LETTERS_JOB_PEOPLE = 2
    monkeypatch.setattr(letters, "PEOPLE_PER_PART", 2)
    for i in range(5):
        pending(full_name=f"批量人员{i}", employee_no=f"J{i:03d}", org_unit=org_tree["shache_dept"])
    client = client_for(hr_shache)
    assert "将在后台生成" in client.get(LETTERS, {"unit": org_tree["shache"].pk}).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, unit=org_tree["shache"].pk, only_pending="on")
    job = Job.objects.get(kind=letters.KIND)
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    assert job.status == Job.Status.DONE and job.total == 5 and len(job.chunks) == 3
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "已为 5 人生成开通通知书" in page and "下载开通通知书（PDF）" in page
    data = b"".join(client.get(reverse("jobs:download", args=[job.pk])).streaming_content)
    codes = codes_by_number(data)
    assert set(codes) == {f"J{i:03d}" for i in range(5)}
    for number, code in codes.items():
        check_code(employee_no=number, code=code)
    assert AuditLog.objects.filter(action="activation.letters_job", actor=hr_shache).count() == 1
    assert AuditLog.objects.filter(action="activation.issue", details__via="job").count() == 3


def test_a_part_run_again_reissues_and_the_file_holds_the_live_codes(
    client_for, admin_user, org_tree, settings, django_capture_on_commit_callbacks
):
    settings.ACTIVATION_LETTERS_JOB_PEOPLE = 1
    for i in range(2):
        pending(employee_no=f"R{i:03d}", org_unit=org_tree["shufu_dept"])
    with django_capture_on_commit_callbacks(execute=True):
        _post(client_for(admin_user), unit=org_tree["shufu"].pk, only_pending="on")
    job = Job.objects.get(kind=letters.KIND)
    assert job.status == Job.Status.DONE
    first = codes_by_number(job.result_file.open("rb").read())
    # A redelivered chunk (a worker that died after its commit) and the finish run again.
    letters._run_part(job, 0, job.chunks[0])
    result = letters._finish(job)
    again = codes_by_number(result.file.read())
    assert set(again) == set(first) == {"R000", "R001"}
    for number in again:
        check_code(employee_no=number, code=again[number])
        with pytest.raises(ActivationError):
            check_code(employee_no=number, code=first[number])


def test_a_job_without_a_usable_font_fails_before_any_code_changes(
    client_for, hr_shache, people, org_tree, settings, django_capture_on_commit_callbacks
):
    settings.ACTIVATION_LETTERS_JOB_PEOPLE = 1
    settings.CERTIFICATE_FONT_PATH = "/nonexistent/font.ttc"
    with pytest.raises(letters.LettersError), django_capture_on_commit_callbacks(execute=True):
        _post(client_for(hr_shache), unit=org_tree["shache"].pk, only_pending="on")
    job = Job.objects.get(kind=letters.KIND)
    assert job.status == Job.Status.FAILED and "证书字体文件不存在" in job.error
    assert not ActivationCode.objects.exists()


# --- resetting one person's access --------------------------------------------------------


def test_hr_resets_a_persons_access_from_the_staff_detail_page(client_for, hr_shache, people):
    person = people["active"]
    their_phone = Client()
    assert their_phone.login(employee_no=person.employee_no, password="pass12345")
    old = issue_codes(user_ids=[person.pk], actor=None, via="test")[0]
    client = client_for(hr_shache)
    detail = client.get(reverse("directory:staff_detail", args=[person.employee_no])).content.decode()
    assert "已激活（可用密码登录）" in detail and "重置账号访问" in detail
    reset = reverse("directory:staff_reset_access", args=[person.employee_no])
    page = client.get(reset).content.decode()
    assert "此人在所有设备上的登录全部退出" in page
    response = client.post(reset, {})
    assert response.status_code == 400 and "请勾选确认后再重置" in response.content.decode()
    person.refresh_from_db()
    assert person.has_usable_password()

    response = client.post(reset, {"confirm": "yes"})

    assert response["Content-Type"] == "application/pdf"
    codes = codes_by_number(response.content)
    assert list(codes) == [person.employee_no]
    person.refresh_from_db()
    assert not person.has_usable_password()
    assert not their_phone.get("/").wsgi_request.user.is_authenticated
    with pytest.raises(ActivationError):
        check_code(employee_no=person.employee_no, code=old.code)
    check_code(employee_no=person.employee_no, code=codes[person.employee_no])
    entry = AuditLog.objects.get(action="activation.reset")
    assert entry.actor == hr_shache and entry.details["employee_no"] == person.employee_no
    detail = client.get(reverse("directory:staff_detail", args=[person.employee_no])).content.decode()
    assert "待激活（开通通知书已打印）" in detail


def test_hr_cannot_reset_a_privileged_colleague(client_for, hr_shache, org_tree):
    colleague = UserFactory(full_name="李主任", employee_no="SC099", org_unit=org_tree["shache_dept"], roles=[Role.HR])
    client = client_for(hr_shache)
    detail = client.get(reverse("directory:staff_detail", args=["SC099"])).content.decode()
    assert "只能由系统管理员重置" in detail and 'data-testid="reset-access"' not in detail
    reset = reverse("directory:staff_reset_access", args=["SC099"])
    response = client.post(reset, {"confirm": "yes"})
    assert response.status_code == 403
    assert "只能由系统管理员重置" in response.content.decode()
    colleague.refresh_from_db()
    assert colleague.has_usable_password()
    assert not ActivationCode.objects.exists()


# --- the staff import's way on -------------------------------------------------------------

IMPORT_ROWS = [
    ["喀什地区/莎车县/莎车县市场监督管理局", "N0001", "古丽米热·艾则孜", "执法人员", "科员", "", "", ""],
    ["喀什地区/莎车县/莎车县市场监督管理局", "N0002", "张伟", "执法人员", "科员", "", "", ""],
    ["喀什地区/莎车县/莎车县市场监督管理局", "N0003", "刘洋", "执法人员", "科员", "", "", "liuyang@example.cn"],
]


def test_the_import_result_counts_who_needs_activation_and_links_to_their_letters(client_for, hr_shache, org_tree):
    UserFactory(employee_no="N0003", org_unit=org_tree["shache_dept"])  # already has a password
    client = client_for(hr_shache)
    response = client.post(reverse("directory:staff_import"), {"file": staff_file(IMPORT_ROWS, HEADERS)})
    html = response.content.decode()
    assert "新增：2" in html
    assert "仍需激活：2" in html
    link = re.search(r'href="([^"]+staff_import=\d+)"', html).group(1).replace("&amp;", "&")
    preview = client.get(link).content.decode()
    assert "将为 <strong>2</strong> 人" in preview
    assert "古丽米热·艾则孜" in preview and "张伟" in preview and "刘洋" not in preview
    audit_id = re.search(r"staff_import=(\d+)", link).group(1)
    response = client.post(LETTERS, {"staff_import": audit_id, "layout": "slips", "confirm": "on"})
    text = pdf_text(response.content)
    assert len(set(CODE.findall(text))) == 2
    assert "古丽米热·艾则孜" in text and "张伟" in text


def test_an_import_job_offers_the_letters_link_when_done(
    client_for, hr_shache, org_tree, settings, django_capture_on_commit_callbacks
):
    settings.STAFF_IMPORT_JOB_ROWS = 1
    client = client_for(hr_shache)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("directory:staff_import"), {"file": staff_file(IMPORT_ROWS[:2], HEADERS)})
    job = Job.objects.get(pk=int(response["Location"].rstrip("/").rsplit("/", 1)[-1]))
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "其中 2 人还不能登录" in page
    assert "为需要激活的 2 人打印开通通知书" in page
    link = re.search(r'href="([^"]+staff_import=\d+)"', page).group(1)
    assert "将为 <strong>2</strong> 人" in client.get(link.replace("&amp;", "&")).content.decode()


def test_a_staff_list_selection_leads_to_those_peoples_letters(client_for, hr_shache, people):
    client = client_for(hr_shache)
    html = client.get(reverse("directory:staff_list")).content.decode()
    assert 'form="letters-form"' in html and 'value="SC001"' in html
    assert "待激活" in html
