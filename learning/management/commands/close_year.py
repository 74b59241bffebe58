from django.core.management.base import BaseCommand, CommandError

from learning.services.yearclose import YearCloseError, close_year


class Command(BaseCommand):
    help = "年度关账：冻结每名人员该年度的学时与达标状态（重复执行不做任何改动）。"

    def add_arguments(self, parser):
        parser.add_argument("year", type=int)
        parser.add_argument("--allow-current", action="store_true", help="允许关闭尚未结束的当前年度")

    def handle(self, *args, year, allow_current=False, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} 无效。")
        try:
            result = close_year(year=year, allow_current=allow_current)
        except YearCloseError as exc:
            raise CommandError(str(exc))
        close = result.close
        if result.created:
            self.stdout.write(
                self.style.SUCCESS(f"{year} 年已关账：{close.headcount} 人，达标 {close.compliant_count} 人。")
            )
        else:
            self.stdout.write(f"{year} 年已于 {close.closed_at:%Y-%m-%d %H:%M} 关账，未做改动。")
