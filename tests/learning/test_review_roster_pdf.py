"""The review roster PDF (reportlab platypus, in parts merged and numbered): content, size, failure and recovery."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from pypdf import PdfReader

from accounts.models import Credential, User
from core import timeutil
from jobs import services as job_services
from jobs.models import Job
from jobs.storage import private_storage
from review import export as review_export
from review.models import AnnualReviewOutcome
from review.services.review import run_annual_review
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
YEAR = timeutil.current_year() - 1
PARAMS = {"year": YEAR, "result": "", "q": ""}
BIG = 5000
DAY = dt.date(YEAR, 6, 1)


def _pages(content: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(content), strict=True).pages]


def _job_pdf(job: Job) -> bytes:
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    with job.result_file.open("rb") as handle:
        return handle.read()


@pytest.fixture
def small(org_tree):
    people = {
        "short": fr.officer(org_tree["shache_dept"], full_name="莎车·差学时", employee_no="SC001"),
        "ok": fr.officer(org_tree["shache_dept"], full_name="莎车·达标", employee_no="SC002"),
        "shufu": fr.officer(org_tree["shufu_dept"], full_name="疏附·差学时", employee_no="SF001"),
    }
    credit(people["short"], hours="30", earned_on=DAY)
    credit(people["ok"], hours="61", earned_on=DAY)
    credit(people["shufu"], hours="10", earned_on=DAY)
    run_annual_review(year=YEAR)
    return people


def test_small_roster_holds_names_numbers_results_units_reasons_and_totals(small, tmp_path):
    target = tmp_path / "roster.pdf"
    call_command(
        "annual_review", "--year", str(YEAR), "--output", str(target), stdout=io.StringIO(), stderr=io.StringIO()
    )
    (text,) = _pages(target.read_bytes())
    assert f"{YEAR} 年度行政执法证年审名册" in text
    assert "已审核 3 人，通过 1 人（其中补正后通过 0 人），未通过 2 人" in text
    for person in small.values():
        assert person.full_name in text and person.credential.number in text
    assert "喀什地区/莎车县/莎车县市场监督管理局" in text and "喀什地区/疏附县/疏附县市场监督管理局" in text
    assert "差 30 学时" in text and "差 50 学时" in text and "30/60" in text and "61/60" in text
    assert text.count("未通过") >= 2 and "待审核" in text and "有效" in text
    # The count per county on the first page, and the signature lines after the last row.
    summary = [line.strip() for line in text.splitlines()]
    assert summary[summary.index("莎车县") + 1 : summary.index("莎车县") + 5] == ["2", "1", "1", "0"]
    assert summary[summary.index("疏附县") + 1 : summary.index("疏附县") + 5] == ["1", "0", "1", "0"]
    assert "审核人" in text and "第 1 页 / 共 1 页" in text


def test_an_empty_roster_is_one_page_that_says_so(org_tree):
    content = review_export.roster_pdf(
        outcomes=[], year=YEAR, scope_label="喀什地区", totals=_no_counts(), unit_rows=[]
    )
    (text,) = _pages(content)
    assert "没有年审记录。" in text and "第 1 页 / 共 1 页" in text


def _no_counts():
    from review.selectors.review import UnitCount

    return UnitCount(None, "全部")


# --- a prefecture-sized roster ----------------------------------------------------------


def _holders(org_tree, count: int) -> list[Credential]:
    """``count`` credential holders, the first half in 莎车, the rest in 疏附 (so the roster lists them in order)."""
    units = [org_tree["shache_dept"], org_tree["shufu_dept"]]
    users = User.objects.bulk_create(
        User(
            employee_no=f"R{i:05d}",
            full_name=f"持证人{i:05d}",
            org_unit=units[i * len(units) // (count + 1)],
            password="!",
        )
        for i in range(1, count + 1)
    )
    return Credential.objects.bulk_create(
        Credential(holder=user, number=f"6531{i:08d}") for i, user in enumerate(users, start=1)
    )


@pytest.fixture
def big_roster(org_tree):
    """BIG holders with this year's outcomes, every fifth failed (written directly: the review itself is tested elsewhere)."""
    credentials = _holders(org_tree, BIG)
    AnnualReviewOutcome.objects.bulk_create(
        AnnualReviewOutcome(
            credential=credential,
            year=YEAR,
            passed=i % 5 != 0,
            reasons=[] if i % 5 else ["差 7.5 学时"],
            hours=Decimal("61") if i % 5 else Decimal("52.5"),
            required_hours=Decimal("60"),
        )
        for i, credential in enumerate(credentials, start=1)
    )
    return credentials


def test_a_roster_of_5000_finishes_as_a_job_in_parts_and_is_one_numbered_pdf(
    big_roster, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = review_export.start_roster_export(viewer=admin_user, unit=None, params=PARAMS, fmt="pdf")
    content = _job_pdf(job)
    assert len(job.chunks) == -(-BIG // review_export.ROWS_PER_PART) > 1 and job.done == BIG
    reader = PdfReader(io.BytesIO(content), strict=True)
    count = len(reader.pages)
    assert BIG / 45 < count < BIG / 15  # one line a row, a few dozen rows a page
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "持证人00001" in first and "653100000001" in first and f"第 1 页 / 共 {count} 页" in first
    assert "持证人05000" in last and "653100005000" in last and f"第 {count} 页 / 共 {count} 页" in last
    assert "审核人" in last and str(BIG) in last.splitlines()
    # Nothing of the parts is left behind.
    assert not any(private_storage().exists(name) for name in job.context["outputs"].values())


def test_a_roster_of_5000_finishes_via_the_command(big_roster, tmp_path):
    target = tmp_path / "roster.pdf"
    err = io.StringIO()
    call_command("annual_review", "--year", str(YEAR), "--output", str(target), stdout=io.StringIO(), stderr=err)
    content = target.read_bytes()
    reader = PdfReader(io.BytesIO(content), strict=True)
    count = len(reader.pages)
    first, last = reader.pages[0].extract_text(), reader.pages[-1].extract_text()
    assert "持证人00001" in first and "持证人05000" in last
    assert f"第 {count} 页 / 共 {count} 页" in last
    assert f"名册已写入 {target}（{BIG} 人）" in err.getvalue()


# --- failure and recovery ---------------------------------------------------------------


def test_a_finish_that_lost_its_parts_renders_them_again(small, admin_user, django_capture_on_commit_callbacks):
    """A finish killed after deleting the parts, before the file was attached: the next one still builds the file."""
    with django_capture_on_commit_callbacks(execute=False):
        job = review_export.start_roster_export(viewer=admin_user, unit=None, params=PARAMS, fmt="pdf")
        job_services.plan_job(job.pk)
        job.refresh_from_db()
        for index in range(len(job.chunks)):
            job_services.run_chunk(job.pk, index)
    job.refresh_from_db()
    for name in job.context["outputs"].values():
        private_storage().delete(name)
    job_services.finish_job(job.pk)
    (text,) = _pages(_job_pdf(job))
    assert "莎车·差学时" in text and "疏附·差学时" in text and "第 1 页 / 共 1 页" in text


def test_without_a_usable_font_the_command_fails_with_a_message_and_leaves_no_file(small, tmp_path, settings):
    settings.CERTIFICATE_FONT_PATH = str(tmp_path / "missing.ttf")
    target = tmp_path / "roster.pdf"
    with pytest.raises(CommandError, match="无法生成 PDF：证书字体文件不存在"):
        call_command(
            "annual_review", "--year", str(YEAR), "--output", str(target), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert not target.exists()


def test_long_cells_wrap_inside_their_column_and_keep_every_character(small):
    outcome = AnnualReviewOutcome.objects.get(credential=small["ok"].credential, year=YEAR)
    outcome.clear_reason = (
        "经人事部门核实，补录2025年度第12345678901234567890期集中培训学时；" * 11
    )  # 462 of the 500 characters allowed
    outcome.save()
    width = review_export.COLUMN_WIDTHS[7] - 2 * review_export.PADDING
    review_export.roster_font()
    lines = review_export._lines(outcome.clear_reason, width)
    assert len(lines) > 10 and "".join(lines) == outcome.clear_reason
    assert all(review_export._width(line) <= width for line in lines)
    assert not any(line[0] in review_export.NO_LINE_START for line in lines)
    content = review_export.roster_pdf(
        outcomes=[outcome], year=YEAR, scope_label="喀什地区", totals=_no_counts(), unit_rows=[]
    )
    (text,) = _pages(content)
    assert "".join(text.split()).count("集中培训学时") == 11
