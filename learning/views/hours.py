"""“我的学时”: one official's own year, read from their balance and ledger."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from core import timeutil
from learning.selectors.ledger import entries_for, hours_summary, years_with_entries
from learning.views.common import year_param


@login_required
def my_hours(request):
    year = year_param(request)
    years = sorted(set(years_with_entries(request.user)) | {timeutil.current_year(), year}, reverse=True)
    return render(
        request,
        "learning/my_hours.html",
        {
            "year": year,
            "years": years,
            "summary": hours_summary(request.user, year),
            "entries": entries_for(request.user, year),
            "is_current_year": year == timeutil.current_year(),
        },
    )
