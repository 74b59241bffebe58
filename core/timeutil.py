"""The calendar the ledger lives in: days and years are counted in Asia/Shanghai."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

LEDGER_TZ = ZoneInfo("Asia/Shanghai")


def today() -> dt.date:
    return timezone.now().astimezone(LEDGER_TZ).date()


def current_year() -> int:
    return today().year


def local_date(moment: dt.datetime) -> dt.date:
    """The Shanghai calendar day of an aware datetime."""
    return moment.astimezone(LEDGER_TZ).date()
