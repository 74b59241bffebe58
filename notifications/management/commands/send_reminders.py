"""Run the scheduled reminders once (what beat runs on their schedules), then send what is due."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from notifications import kinds, reminders
from notifications.services.delivery import deliver_due, send_digests


class Command(BaseCommand):
    help = (
        "运行一次定时提醒（考试开考/截止、明日培训、学法清单到期、学时进度、待阅卷等），并发送待发的邮件和短信。"
        "不带参数时运行全部提醒；提醒按去重键发送，重复运行不会重复提醒。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--kind", action="append", default=[], help="只运行发送这种消息的提醒（可重复），如 exam_closing"
        )
        parser.add_argument(
            "--reminder", action="append", default=[], help="只运行这个提醒（可重复），如 exams.closing"
        )
        parser.add_argument("--at", help="按这个时间运行（YYYY-MM-DD 或 YYYY-MM-DDTHH:MM，北京时间），默认现在")
        parser.add_argument("--digest", action="store_true", help="同时发送每日汇总（邮件和短信）")
        parser.add_argument("--list", dest="list_only", action="store_true", help="列出全部提醒和消息类型，不运行")

    def handle(self, *args, kind, reminder, at, digest, list_only, **options):
        every = reminders.all_reminders()
        if list_only:
            for item in every:
                self.stdout.write(f"{item.name:<24} {item.label}（{', '.join(item.kinds)}）")
            self.stdout.write("")
            for event_kind in kinds.all_kinds():
                self.stdout.write(f"{event_kind.code:<26} {event_kind.name}")
            return
        unknown_kinds = [code for code in kind if kinds.find(code) is None]
        if unknown_kinds:
            raise CommandError(f"没有这种消息类型：{'、'.join(unknown_kinds)}（用 --list 查看全部）")
        names = {item.name for item in every}
        unknown = [name for name in reminder if name not in names]
        if unknown:
            raise CommandError(f"没有这个提醒：{'、'.join(unknown)}（用 --list 查看全部）")
        chosen = [
            item
            for item in every
            if (not kind or set(kind) & set(item.kinds)) and (not reminder or item.name in reminder)
        ]
        if kind and not chosen:
            raise CommandError(f"没有提醒发送这种消息：{'、'.join(kind)}（它们由业务操作即时发送）")
        now = self._when(at)
        for item in chosen:
            counts = item.run(now=now)
            shown = "，".join(f"{key} {value}" for key, value in counts.items()) or "无"
            self.stdout.write(f"{item.label}：{shown}")
        due = deliver_due()
        self.stdout.write(f"补发：邮件 {due.email} 封，短信 {due.sms} 条")
        if digest:
            sent = send_digests()
            self.stdout.write(f"每日汇总：邮件 {sent.email} 封，短信 {sent.sms} 条")

    def _when(self, at: str | None) -> dt.datetime:
        if not at:
            return timezone.now()
        for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
            try:
                moment = dt.datetime.strptime(at, fmt)
            except ValueError:
                continue
            if fmt == "%Y-%m-%d":
                moment = moment.replace(hour=9)
            return timezone.make_aware(moment)
        raise CommandError(f"时间“{at}”格式不对：应为 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM")
