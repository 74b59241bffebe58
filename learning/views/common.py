"""Small helpers the learning pages share: the year asked for, and a filter form's values as a query string."""

from __future__ import annotations

from urllib.parse import urlencode

from core import timeutil


def year_param(request) -> int:
    """``?year=`` when it is a plausible year, else the current one."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timeutil.current_year()
    return year if 2000 <= year <= 2100 else timeutil.current_year()


def filter_query(params: dict) -> str:
    """A filter form's ``values()`` as a query string, leaving out empty fields (for export and back links)."""
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})
