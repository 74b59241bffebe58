"""Exam links in the site navigation: 我的考试 and 练习 (its page leads on to 错题本) for everyone, 成绩统计 / 阅卷 for those who may open them."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.navigation import NavItem
from exams.selectors.grading import is_grader
from exams.selectors.stats import can_view_stats


def items(user) -> list[NavItem]:
    result = [
        NavItem(_("我的考试"), reverse("exams:my_exams"), 30, "main"),
        NavItem(_("练习"), reverse("exams:practice"), 30, "main"),
    ]
    if can_view_stats(user):
        result.append(NavItem(_("成绩统计"), reverse("exams:stats_index"), 60, "tools"))
    if is_grader(user):
        result.append(NavItem(_("阅卷"), reverse("exams:grading_queue"), 61, "tools"))
    return result
