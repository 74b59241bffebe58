"""HR pages of the review: scope on the at-risk list, the roster and its exports; audit; queries."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils.http import urlencode
from openpyxl import load_workbook

from accounts.models import AuditLog, Role
from core import timeutil
from jobs.models import Job
from notifications.models import Notification
from review.models import AnnualReviewOutcome
from review.services.reminders import send_review_reminders
from review.services.review import run_annual_review
from tests.factories import UserFactory
from tests.learning.factories import credit

from . import factories_review as fr

pytestmark = pytest.mark.django_db
YEAR = timeutil.current_year() - 1
DAY = dt.date(YEAR, 6, 1)


@pytest.fixture
def people(org_tree):
    result = {
        "sc_short": fr.officer(org_tree["shache_dept"], full_name="莎车·差学时", employee_no="SC001"),
        "sc_ok": fr.officer(org_tree["shache_dept"], full_name="莎车·达标", employee_no="SC002"),
        "sf_short": fr.officer(org_tree["shufu_dept"], full_name="疏附·差学时", employee_no="SF001"),
    }
    credit(result["sc_short"], hours="30", earned_on=DAY)
    credit(result["sc_ok"], hours="61", earned_on=DAY)
    credit(result["sf_short"], hours="10", earned_on=DAY)
    run_annual_review(year=YEAR)
    return result


def test_roster_shows_only_the_officers_scope_with_counts(client_for, hr_shache, people):
    response = client_for(hr_shache).get(reverse("review:review_roster"), {"year": YEAR})
    assert response.status_code == 200
    html = response.content.decode()
    assert "莎车·差学时" in html and "莎车·达标" in html and "疏附·差学时" not in html
    assert "差 30 学时" in html
    totals = response.context["totals"]
    assert (totals.reviewed, totals.passed, totals.failed) == (2, 1, 1)


def test_roster_of_a_unit_outside_scope_is_forbidden(client_for, hr_shache, people):
    client = client_for(hr_shache)
    assert client.get(reverse("review:review_roster"), {"year": YEAR, "unit": "KS-SF"}).status_code == 403
    assert client.get(reverse("review:review_roster_xlsx"), {"year": YEAR, "unit": "KS-SF"}).status_code == 403
    assert client.get(reverse("review:review_risk"), {"unit": "KS-SF"}).status_code == 403
    other = people["sf_short"].credential
    assert client.get(reverse("review:review_credential", args=[other.pk])).status_code == 403


def test_learners_cannot_open_the_hr_pages(client_for, people):
    client = client_for(people["sc_ok"])
    for name in ("review_roster", "review_risk", "review_roster_xlsx"):
        assert client.get(reverse(f"review:{name}")).status_code == 403


def _export(client, fmt: str, capture, **query):
    """Start the roster job as the page's button does, run it (eagerly, on commit), follow to its file."""
    with capture(execute=True):
        response = client.post(reverse(f"review:review_roster_{fmt}") + "?" + urlencode({"year": YEAR, **query}))
    assert response.status_code == 302 and response["Location"].startswith("/jobs/")
    page = client.get(response["Location"])
    download = page.context["state"]["download_url"]
    assert download and 'data-testid="job-download"' in page.content.decode()
    file = client.get(download)
    assert file.status_code == 200
    return file, b"".join(file.streaming_content)


def test_export_by_get_starts_nothing(client_for, hr_shache, people):
    response = client_for(hr_shache).get(reverse("review:review_roster_pdf"), {"year": YEAR})
    assert response.status_code == 302 and response["Location"].startswith(reverse("review:review_roster"))
    assert not Job.objects.exists()


def test_excel_export_holds_the_scoped_rows_and_is_audited(
    client_for, hr_shache, people, django_capture_on_commit_callbacks
):
    _response, content = _export(client_for(hr_shache), "xlsx", django_capture_on_commit_callbacks)
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("执法证号", "姓名", "工号")
    by_no = {r[2]: r for r in rows[1:]}
    assert set(by_no) == {"SC001", "SC002"}
    assert by_no["SC001"][8] == "未通过" and by_no["SC001"][9] == "差 30 学时"
    assert by_no["SC002"][8] == "通过" and by_no["SC002"][11] == "有效"
    log = AuditLog.objects.get(action="learning.review_roster_export")
    assert log.actor == hr_shache and log.details["rows"] == 2 and log.details["format"] == "xlsx"


def test_failed_filter_narrows_the_export(client_for, hr_shache, people, django_capture_on_commit_callbacks):
    _response, content = _export(client_for(hr_shache), "xlsx", django_capture_on_commit_callbacks, result="failed")
    rows = list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["SC001"]


def test_pdf_export_is_a_pdf_with_the_scoped_people_and_is_audited(
    client_for, hr_shache, people, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    response, content = _export(client_for(hr_shache), "pdf", django_capture_on_commit_callbacks)
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    assert "莎车·差学时" in text and "疏附·差学时" not in text
    assert "第 1 页 / 共 1 页" in text
    assert AuditLog.objects.filter(action="learning.review_roster_export", details__format="pdf").exists()


def test_pdf_parts_are_merged_numbered_throughout_with_page_numbers(
    client_for, hr_shache, people, monkeypatch, django_capture_on_commit_callbacks
):
    from pypdf import PdfReader

    import review.export as export

    monkeypatch.setattr(export, "ROWS_PER_PART", 1)  # one part (one task) per person: numbering must continue
    _response, content = _export(client_for(hr_shache), "pdf", django_capture_on_commit_callbacks)
    pages = PdfReader(io.BytesIO(content)).pages
    text = "".join(page.extract_text() for page in pages)
    assert len(pages) == 2 and "莎车·差学时" in text and "莎车·达标" in text
    second = [line.strip() for line in pages[1].extract_text().splitlines()]
    assert second[second.index("证件状态") + 1] == "2"  # the count goes on across parts
    # The title and the totals once; the pages after the first carry the running heading instead.
    assert text.count("执法证号") == 2 and text.count("已审核 2 人") == 1 and text.count("审核人") == 1
    assert second[:2] == [f"{YEAR} 年度行政执法证年审名册", "范围：喀什地区/莎车县"]
    assert "第 2 页 / 共 2 页" in text
    assert Job.objects.get().done == 2


def test_at_risk_list_before_year_end_is_scoped_and_names_the_reasons(client_for, hr_shache, org_tree):
    behind = fr.officer(org_tree["shache_dept"], full_name="莎车·落后")
    ahead = fr.officer(org_tree["shache_dept"], full_name="莎车·领先")
    outside = fr.officer(org_tree["shufu_dept"], full_name="疏附·落后")
    credit(ahead, hours="60")
    assert behind and outside
    response = client_for(hr_shache).get(reverse("review:review_risk"))
    html = response.content.decode()
    if timeutil.today() == dt.date(timeutil.current_year(), 1, 1):
        pytest.skip("nobody is behind pace on 1 January")
    assert "莎车·落后" in html and "莎车·领先" not in html and "疏附·落后" not in html
    assert "进度落后" in html
    assert response.context["totals"].at_risk == 1
    assert response.context["breakdown"] == {"behind": 1, "category": 0, "exam": 0}


def test_at_risk_list_names_an_opened_annual_exam_not_yet_passed(client_for, hr_shache, org_tree):
    person = fr.officer(org_tree["shache_dept"], full_name="莎车·未考")
    credit(person, hours="60")
    fr.annual_exam(timeutil.current_year())
    response = client_for(hr_shache).get(reverse("review:review_risk"), {"risk": "exam"})
    assert [p.full_name for p in response.context["people"]] == ["莎车·未考"]
    assert "年度考法尚未通过" in response.content.decode()


def test_roster_and_risk_pages_query_count_does_not_grow(
    client_for, hr_shache, org_tree, django_assert_max_num_queries
):
    client = client_for(hr_shache)

    def add(n):
        for _ in range(n):
            person = fr.officer(org_tree["shache_dept"])
            credit(person, hours="20", earned_on=DAY)
            credit(person, hours="5")
        run_annual_review(year=YEAR)

    add(2)
    with django_assert_max_num_queries(30) as small:
        client.get(reverse("review:review_roster"), {"year": YEAR})
    with django_assert_max_num_queries(30) as small_risk:
        client.get(reverse("review:review_risk"))
    add(15)
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("review:review_roster"), {"year": YEAR})
    with django_assert_max_num_queries(len(small_risk.captured_queries)):
        client.get(reverse("review:review_risk"))


def test_hr_can_rerun_the_review_and_a_rerun_without_changes_says_so(client_for, hr_shache, people):
    client = client_for(hr_shache)
    response = client.post(f"{reverse('review:review_run')}?year={YEAR}", follow=True)
    assert "结果没有变化" in response.content.decode()
    response = client.post(f"{reverse('review:review_run')}?year={timeutil.current_year()}", follow=True)
    assert "尚未结束" in response.content.decode()


def test_credential_page_shows_the_history(client_for, hr_shache, people):
    credential = people["sc_short"].credential
    html = client_for(hr_shache).get(reverse("review:review_credential", args=[credential.pk])).content.decode()
    assert "待审核" in html and f"{YEAR} 年度年审未通过：差 30 学时" in html


# --- command line ----------------------------------------------------------------------


def test_command_runs_idempotently_and_writes_the_roster(people, tmp_path):
    target = tmp_path / "roster.xlsx"
    out = io.StringIO()
    call_command(
        "annual_review",
        "--year",
        str(YEAR),
        "--unit",
        "KS-SC",
        "--output",
        str(target),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert "新增结果 0，更新 0" in out.getvalue()
    rows = list(load_workbook(target).active.iter_rows(values_only=True))
    assert {r[2] for r in rows[1:]} == {"SC001", "SC002"}


def test_command_writes_a_pdf(people, tmp_path):
    target = tmp_path / "roster.pdf"
    call_command(
        "annual_review", "--year", str(YEAR), "--output", str(target), stdout=io.StringIO(), stderr=io.StringIO()
    )
    assert target.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--year", str(timeutil.current_year())], "尚未结束"),
        (["--year", str(YEAR), "--unit", "NOPE"], "NOPE"),
        (["--year", str(YEAR), "--output", "roster.csv"], ".xlsx 或 .pdf"),
        (["--year", str(YEAR), "--output", "/nonexistent-dir/roster.xlsx"], "无法写入"),
    ],
)
def test_command_refuses_bad_input(org_tree, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("annual_review", *args, stdout=io.StringIO(), stderr=io.StringIO())


def test_command_exits_non_zero_with_the_message_on_stderr(org_tree):
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "manage.py", "annual_review", "--year", "1800"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0 and "年度 1800 无效" in result.stderr


# --- reminders -------------------------------------------------------------------------


def test_reminders_reach_holders_at_risk_and_hr_once_a_month(org_tree, hr_shache):
    today = dt.date(timeutil.current_year(), 6, 15)
    behind = fr.officer(org_tree["shache_dept"], email="behind@example.org")
    fine = fr.officer(org_tree["shache_dept"])
    credit(fine, hours="60", earned_on=min(today, timeutil.today()))
    no_credential = UserFactory(org_unit=org_tree["shache_dept"])

    first = send_review_reminders(today=today)
    second = send_review_reminders(today=today)

    assert first["risk_notified"] == 1 and first["risk_emailed"] == 1 and first["digests"] == 1
    assert second == {"risk_notified": 0, "risk_emailed": 0, "digests": 0, "digest_emailed": 0}
    message = Notification.objects.get(user=behind, kind="review_risk")
    assert reverse("learning:my_path") == message.url and "进度落后" in message.body
    assert not Notification.objects.filter(user__in=[fine, no_credential], kind="review_risk").exists()
    digest = Notification.objects.get(user=hr_shache, kind="review_digest")
    assert "年审有风险 1 人" in digest.body


def test_beat_schedules_are_registered():
    from django_celery_beat.models import PeriodicTask

    from review.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
    tasks = set(PeriodicTask.objects.values_list("task", flat=True))
    assert {
        "learning.tasks_review.send_review_reminders",
        "learning.tasks_review.re_evaluate_failing_outcomes",
    } <= tasks


def test_roster_outcomes_exist_for_each_reviewed_credential(people):
    assert AnnualReviewOutcome.objects.filter(year=YEAR).count() == 3
    assert Role.HR


def test_hr_cannot_run_the_review_for_a_unit_outside_scope(client_for, hr_shache, people):
    before = list(AnnualReviewOutcome.objects.order_by("pk").values())
    response = client_for(hr_shache).post(f"{reverse('review:review_run')}?year={YEAR}&unit=KS-SF")
    assert response.status_code == 403
    assert list(AnnualReviewOutcome.objects.order_by("pk").values()) == before


def test_two_annual_exams_without_a_rule_are_flagged_not_silently_ignored(client_for, hr_shache, org_tree):
    from review.selectors.review import review_rule
    from tests.exams import factories_exams as fe

    client = client_for(hr_shache)
    this_year = timeutil.current_year()
    fe.exam([fe.question()], title="年度考试甲", is_annual_law_exam=True, year=this_year)
    assert not review_rule(this_year).ambiguous
    roster = reverse("review:review_roster")
    assert 'data-testid="rule-ambiguous"' not in client.get(roster, {"year": this_year}).content.decode()
    fe.exam([fe.question()], title="年度考试乙", is_annual_law_exam=True, year=this_year)
    rule = review_rule(this_year)
    assert rule.ambiguous and rule.annual_exam is None
    for name in ("review_roster", "review_risk"):
        html = client.get(reverse(f"review:{name}"), {"year": this_year}).content.decode()
        assert "年有多场已发布的年度学法考试，年审暂不考核考试" in html


def test_at_risk_list_pages_go_by_hours_and_each_person_once(client_for, hr_shache, org_tree, monkeypatch):
    """The page reads its people by the ids of its slice of the list: the list's order holds across pages."""
    from review.views import review as views

    monkeypatch.setattr(views, "PAGE_SIZE", 4)
    fr.annual_exam(timeutil.current_year())
    hours = [7, 3, 11, 0, 5, 9, 1]
    for n, h in enumerate(hours):
        person = fr.officer(org_tree["shache_dept"], full_name=f"未考{n}", employee_no=f"SC{n:03}")
        if h:
            credit(person, hours=str(h))
    client = client_for(hr_shache)
    first = client.get(reverse("review:review_risk"), {"risk": "exam"})
    second = client.get(reverse("review:review_risk"), {"risk": "exam", "page": 2})
    listed = [p.full_name for p in first.context["people"]] + [p.full_name for p in second.context["people"]]
    by_hours = [f"未考{n}" for n, _h in sorted(enumerate(hours), key=lambda item: item[1])]
    assert listed == by_hours
    assert [p.hours for p in first.context["people"]] == sorted(hours)[:4]
    assert all(p.risk_reasons for p in second.context["people"])
