"""The exams app's beat schedule, registered idempotently after every migrate."""

from __future__ import annotations

from core.schedules import ensure_schedules

EXAM_SCHEDULES = (
    {
        "name": "exams: 到时自动收卷",
        "task": "exams.tasks.finalise_overdue_attempts",
        "minute": "*",
        "description": "每分钟把超过截止时间仍未交卷的答卷按已保存的答案收卷并评分。",
    },
)


def ensure_periodic_tasks() -> None:
    """Register the exams app's schedules (safe to run on every migrate)."""
    ensure_schedules(EXAM_SCHEDULES)
