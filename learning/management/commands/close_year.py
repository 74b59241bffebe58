from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from core import timeutil
from learning.services.yearclose import YearCloseError, close_year


class Command(BaseCommand):
    help = "年度关账：冻结每名人员该年度的学时与达标状态（重复执行不做任何改动）。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--allow-current", action="store_true", help="允许关闭尚未结束的当前年度")
        parser.add_argument("--force", action="store_true", help="该年度没有任何学时记录时仍然关账")

    def handle(self, *args, year, allow_current=False, force=False, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} 无效。")
        try:
            result = close_year(year=year, allow_current=allow_current, force=force)
        except YearCloseError as exc:
            raise CommandError(str(exc))
        close = result.close
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"{year} 年已关账：{close.headcount} 人，达标 {close.compliant_count} 人。")
            )
        else:
            closed_at = timezone.localtime(close.closed_at, timeutil.LEDGER_TZ)
            self.stdout.write(f"{year} 年已于 {closed_at:%Y-%m-%d %H:%M}（北京时间）关账，未做改动。")
