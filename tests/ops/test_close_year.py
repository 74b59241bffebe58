"""close_year refuses a year without ledger activity unless --force, and speaks Beijing time."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from learning.models import YearClose, YearStatus
from tests.factories import UserFactory
from tests.learning.factories import credit

pytestmark = pytest.mark.django_db


@pytest.fixture
def official(org_tree):
    return UserFactory(full_name="张三", org_unit=org_tree["shache_dept"])


def test_a_year_without_ledger_entries_is_refused_naming_the_earliest_year(official):
    credit(official, hours="10", earned_on=dt.date(2025, 3, 1))
    with pytest.raises(CommandError) as refused:
        call_command("close_year", "2024", stdout=io.StringIO())
    message = str(refused.value)
    assert "2024 年没有任何学时记录（最早的记录在 2025 年）" in message
    assert "--force" in message
    assert not YearClose.objects.exists()


def test_a_year_after_the_last_entries_names_the_latest_year(official):
    credit(official, hours="10", earned_on=dt.date(2023, 3, 1))
    with pytest.raises(CommandError, match="最近的记录在 2023 年"):
        call_command("close_year", "2025", stdout=io.StringIO())


def test_an_empty_ledger_says_so(official):
    with pytest.raises(CommandError, match="学时台账中还没有任何记录"):
        call_command("close_year", "2024", stdout=io.StringIO())


def test_force_closes_an_empty_year(official):
    out = io.StringIO()
    call_command("close_year", "2024", "--force", stdout=out)
    assert "2024 年已关账" in out.getvalue()
    status = YearStatus.objects.get(user=official, year=2024)
    assert status.hours == 0 and not status.compliant


def test_a_year_with_entries_closes_without_force(official):
    credit(official, hours="10", earned_on=dt.date(2024, 5, 1))
    call_command("close_year", "2024", stdout=io.StringIO())
    assert YearClose.objects.filter(year=2024).exists()


def test_an_already_closed_year_is_reported_in_beijing_time(official):
    credit(official, hours="10", earned_on=dt.date(2024, 5, 1))
    call_command("close_year", "2024", stdout=io.StringIO())
    # 2025-01-01 18:30 UTC is 2025-01-02 02:30 in Beijing: the day differs too.
    YearClose.objects.filter(year=2024).update(closed_at=dt.datetime(2025, 1, 1, 18, 30, tzinfo=ZoneInfo("UTC")))
    out = io.StringIO()
    call_command("close_year", "2024", stdout=out)
    assert "2025-01-02 02:30（北京时间）" in out.getvalue()
