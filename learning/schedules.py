"""The learning app's beat schedules, registered idempotently after every migrate."""

from __future__ import annotations

from core.schedules import ensure_schedules

LEARNING_SCHEDULES = (
    {
        "name": "learning: 学时进度月度提醒",
        "task": "learning.tasks.send_monthly_reminders",
        "minute": "0",
        "hour": "9",
        "day_of_month": "1",
        "description": "每月 1 日 9:00 提醒进度落后的人员，并向人事/合规专员发送汇总。",
    },
)


def ensure_periodic_tasks() -> None:
    """Register the learning app's schedules (safe to run on every migrate)."""
    ensure_schedules(LEARNING_SCHEDULES)
