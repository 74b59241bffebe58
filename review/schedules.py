"""The review's beat schedules, registered idempotently after every migrate (``ReviewConfig.ready``).

The entries keep the names and task names they had inside the learning app, so a database
that has them is updated in place, never given a second copy.
"""

from __future__ import annotations

from core.schedules import ensure_schedules

REVIEW_SCHEDULES = (
    {
        "name": "learning: 执法证年审风险提醒",
        "task": "learning.tasks_review.send_review_reminders",
        "minute": "0",
        "hour": "9",
        "day_of_month": "15",
        "description": "每月 15 日 9:00 提醒年审有风险的持证人员（学时进度落后、类别学时不足、年度考法未通过），并向人事/合规专员发送汇总。",
    },
    {
        "name": "learning: 执法证年审补正复核",
        "task": "learning.tasks_review.re_evaluate_failing_outcomes",
        "minute": "30",
        "hour": "2",
        "description": "每天 2:30 复核未通过的年审结果，补考通过或补录学时后自动恢复执法证有效。",
    },
)


def ensure_periodic_tasks() -> None:
    """Register the review's schedules (safe to run on every migrate)."""
    ensure_schedules(REVIEW_SCHEDULES)
