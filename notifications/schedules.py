"""Beat entries of the notifications app: the daily digest, the sweep, and one per registered reminder."""

from __future__ import annotations

from core.schedules import ensure_schedules

#: When the daily digest goes out (Asia/Shanghai); the settings page says it.
DIGEST_HOUR, DIGEST_MINUTE = 17, 30

NOTIFICATION_SCHEDULES = (
    {
        "name": "notifications: 每日消息汇总",
        "task": "notifications.tasks.send_digests",
        "minute": str(DIGEST_MINUTE),
        "hour": str(DIGEST_HOUR),
        "description": "每天 17:30 把可汇总类消息（学时入账、证书颁发、待审核、待阅卷等）按各人设置合成一封邮件和一条短信发送。",
    },
    {
        "name": "notifications: 补发未送达的提醒",
        "task": "notifications.tasks.deliver_due",
        "minute": "*/10",
        "description": "每 10 分钟补发仍待发送的邮件和短信（邮件服务器或短信平台此前未能接收的），超过时限的不再发送。",
    },
)


def reminder_schedules() -> list[dict]:
    from notifications import reminders

    return [
        {
            "name": f"notifications: {reminder.label}",
            "task": "notifications.tasks.run_reminder",
            "kwargs": {"name": reminder.name},
            "description": reminder.description,
            **reminder.schedule,
        }
        for reminder in reminders.all_reminders()
        if reminder.schedule is not None
    ]


def ensure_periodic_tasks() -> None:
    ensure_schedules([*NOTIFICATION_SCHEDULES, *reminder_schedules()])
