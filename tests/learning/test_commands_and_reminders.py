import csv
import datetime as dt
import io
import random
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.db.models import Sum
from openpyxl import load_workbook

from accounts.models import Role
from demo.ledger import seed_ledger_history
from learning.models import (
    LedgerEntry,
    PersonYearBalance,
    PersonYearCategoryBalance,
    YearClose,
    YearStatus,
)
from learning.services.reminders import send_monthly_reminders
from learning.tasks import send_monthly_reminders as reminder_task
from notifications.models import Notification
from tests.factories import UserFactory

from .factories import credit

YEAR = 2025


@pytest.fixture
def people(org_tree):
    done = UserFactory(full_name="张达标", employee_no="A1", email="done@example.com", org_unit=org_tree["shache_dept"])
    slow = UserFactory(full_name="李落后", employee_no="A2", email="slow@example.com", org_unit=org_tree["shache_dept"])
    fine = UserFactory(full_name="王正常", employee_no="A3", org_unit=org_tree["shufu_dept"])
    nomail = UserFactory(full_name="赵无邮", employee_no="A4", email=None, org_unit=org_tree["shufu_dept"])
    credit(done, hours="61", earned_on=dt.date(YEAR, 3, 1))
    credit(slow, hours="5", earned_on=dt.date(YEAR, 3, 1))
    credit(fine, hours="40", earned_on=dt.date(YEAR, 3, 1))
    return {"done": done, "slow": slow, "fine": fine, "nomail": nomail}


def test_reminders_pick_people_behind_pace_and_send_hr_digest_once(people, hr_shache, admin_user):
    # 1 July: the pace is 60 × 182/365 ≈ 29.9 hours.
    today = dt.date(YEAR, 7, 1)
    result = send_monthly_reminders(today=today)
    behind = set(Notification.objects.filter(kind="pace").values_list("user__full_name", flat=True))
    # The HR officer and the admin have no hours either: they are officials too.
    assert behind == {"李落后", "赵无邮", "王芳", "管理员"}
    assert result["behind_notified"] == 4
    pace_mails = [m for m in mail.outbox if "学时进度提醒" in m.subject]
    assert sorted(m.to[0] for m in pace_mails) == ["slow@example.com"]
    digest = Notification.objects.get(kind="digest")
    assert digest.user == hr_shache
    assert "李落后" in digest.body and "赵无邮" not in digest.body  # digest stays in her scope
    outbox_before = len(mail.outbox)
    again = send_monthly_reminders(today=dt.date(YEAR, 7, 20))
    assert again["behind_notified"] == 0 and again["digests"] == 0
    assert Notification.objects.count() == 5 and len(mail.outbox) == outbox_before


def test_reminder_task_runs_through_celery_with_a_date(people):
    result = reminder_task.delay(today="2025-08-01").get()
    assert result["behind_notified"] >= 1


def test_no_pace_reminders_in_january(people):
    assert send_monthly_reminders(today=dt.date(YEAR, 1, 1))["behind_notified"] == 0


def test_close_year_freezes_status_and_is_idempotent(people):
    out = io.StringIO()
    call_command("close_year", str(YEAR), stdout=out)
    close = YearClose.objects.get(year=YEAR)
    statuses = {s.user.full_name: s for s in YearStatus.objects.select_related("user")}
    assert statuses["张达标"].compliant and statuses["张达标"].hours == Decimal("61")
    assert not statuses["李落后"].compliant and statuses["李落后"].required_hours == Decimal("60")
    assert (close.headcount, close.compliant_count) == (4, 1)
    credit(people["slow"], hours="60", earned_on=dt.date(YEAR, 12, 30))  # late entry after the close
    out2 = io.StringIO()
    call_command("close_year", str(YEAR), stdout=out2)
    assert "未做改动" in out2.getvalue()
    assert YearStatus.objects.count() == 4
    assert not YearStatus.objects.get(user=people["slow"]).compliant


def test_close_year_refuses_a_running_year(people):
    from core.timeutil import current_year

    with pytest.raises(CommandError, match="尚未结束"):
        call_command("close_year", str(current_year()))
    with pytest.raises(CommandError, match="无效"):
        call_command("close_year", "1999")
    assert not YearClose.objects.exists()


def test_compliance_report_csv_and_xlsx(people, org_tree, tmp_path):
    out = io.StringIO()
    call_command("compliance_report", "--year", str(YEAR), "--unit", "KS-SC", stdout=out, stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0][:7] == ["工号", "姓名", "单位路径", "人员类别", "学时", "应修学时", "是否达标"]
    assert {r[0]: r[6] for r in rows[1:]} == {"A1": "是", "A2": "否"}
    assert rows[1][2] == "喀什地区/莎车县/莎车县市场监督管理局"
    target = tmp_path / "r.xlsx"
    call_command(
        "compliance_report", "--year", str(YEAR), "--format", "xlsx", "--output", str(target), stderr=io.StringIO()
    )
    sheet = load_workbook(target).active
    assert sheet.max_row == 1 + 4


def test_compliance_report_bad_input_fails_with_message(people):
    with pytest.raises(CommandError, match="没有代码"):
        call_command("compliance_report", "--year", str(YEAR), "--unit", "XX")
    with pytest.raises(CommandError, match="--output"):
        call_command("compliance_report", "--year", str(YEAR), "--format", "xlsx")


def test_rebuild_balances_reports_and_fixes_drift(people):
    PersonYearBalance.objects.filter(user=people["slow"]).update(total_hours=Decimal("99"))
    with pytest.raises(CommandError, match="1 处差异"):
        call_command("rebuild_balances", "--check", stdout=io.StringIO())
    out = io.StringIO()
    call_command("rebuild_balances", stdout=out)
    assert "余额 99.00" in out.getvalue() or "余额 99" in out.getvalue()
    assert PersonYearBalance.objects.get(user=people["slow"]).total_hours == Decimal("5")
    out = io.StringIO()
    call_command("rebuild_balances", "--check", stdout=out)
    assert "一致" in out.getvalue()


def test_demo_history_is_deterministic_and_keeps_balances_equal_to_ledger(org_tree):
    users = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(30)]
    credit(users[0], hours="3", earned_on=dt.date(YEAR, 2, 2))  # pre-existing entry
    written = seed_ledger_history(users, YEAR, rng=random.Random(7), reversal_rate=0.3)
    assert written == LedgerEntry.objects.count() - 1
    assert LedgerEntry.objects.filter(reverses__isnull=False).exists()
    kinds = set(LedgerEntry.objects.values_list("source_kind", flat=True))
    assert {"course", "session", "exam"} <= kinds
    for bal in PersonYearBalance.objects.all():
        assert (
            bal.total_hours == LedgerEntry.objects.filter(user_id=bal.user_id, year=YEAR).aggregate(s=Sum("hours"))["s"]
        )
    for cat in PersonYearCategoryBalance.objects.all():
        assert (
            cat.hours
            == LedgerEntry.objects.filter(user_id=cat.user_id, year=YEAR, category_id=cat.category_id).aggregate(
                s=Sum("hours")
            )["s"]
        )
    totals = sorted(PersonYearBalance.objects.values_list("total_hours", flat=True))
    assert totals[0] < 60 <= totals[-1]  # some behind, some compliant
    assert seed_ledger_history(users, YEAR, rng=random.Random(7)) == 0  # idempotent


def test_demo_history_same_seed_same_rows(org_tree):
    users = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(5)]
    seed_ledger_history(users, YEAR, rng=random.Random(1))
    first = list(LedgerEntry.objects.order_by("source_key").values_list("source_key", "hours", "earned_on"))
    assert first and len(first) > 5 * 20
    assert first == sorted(first)


def test_periodic_task_registered_idempotently(db):
    from django_celery_beat.models import PeriodicTask

    from learning.schedules import ensure_periodic_tasks

    ensure_periodic_tasks()
    ensure_periodic_tasks()
    task = PeriodicTask.objects.get(task="learning.tasks.send_monthly_reminders")
    assert task.crontab.day_of_month == "1"


def test_hr_fixture_role(hr_shache):
    assert hr_shache.has_role(Role.HR) and connection.vendor in {"sqlite", "postgresql"}


def test_close_year_freezes_people_who_left_after_earning_hours_in_the_year(people, org_tree):
    from tests.factories import UserFactory

    left_with_hours = UserFactory(full_name="已离职有学时", org_unit=org_tree["shache_dept"])
    credit(left_with_hours, hours="61", earned_on=dt.date(YEAR, 3, 1))
    left_without = UserFactory(full_name="已离职无学时", org_unit=org_tree["shache_dept"])
    for person in (left_with_hours, left_without):
        person.is_active = False
        person.save()
    call_command("close_year", str(YEAR), stdout=io.StringIO())
    frozen = set(YearStatus.objects.values_list("user__full_name", flat=True))
    assert "已离职有学时" in frozen and "已离职无学时" not in frozen
    assert YearStatus.objects.get(user=left_with_hours).compliant


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_large_demo_history_checks_the_ledgers_keys_once_and_keeps_them(org_tree, monkeypatch):
    """On PostgreSQL a big load drops the ledger's foreign keys and adds them back as they were (checked once)."""
    import demo.ledger

    def keys():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid), convalidated FROM pg_constraint"
                " WHERE conrelid = 'learning_ledgerentry'::regclass AND contype = 'f' ORDER BY conname"
            )
            return cursor.fetchall()

    before = keys()
    assert len(before) == 4 and all(valid for _n, _d, valid in before)
    users = [UserFactory(org_unit=org_tree["shache_dept"]) for _ in range(6)]
    monkeypatch.setattr(demo.ledger, "CHECK_ONCE_FROM", 5)
    written = seed_ledger_history(users, YEAR, rng=random.Random(7), reversal_rate=0.5)
    assert written == LedgerEntry.objects.count() and keys() == before
    for bal in PersonYearBalance.objects.all():
        assert bal.total_hours == sum(LedgerEntry.objects.filter(user_id=bal.user_id).values_list("hours", flat=True))
    # The keys are enforced again: an entry for nobody is refused at commit.
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            LedgerEntry.objects.bulk_create(
                [LedgerEntry(user_id=10**9, hours=1, category_id="legal", source_kind="course", source_key="x",
                             source_ref="x", earned_on=dt.date(YEAR, 1, 5), year=YEAR)]
            )  # fmt: skip
