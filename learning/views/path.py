"""“我的达标路径”: the official's own gap to this year's requirement and what to take next."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from learning.selectors.path import my_path as build_path


@login_required
def my_path(request):
    return render(request, "learning/my_path.html", {"path": build_path(request.user)})
