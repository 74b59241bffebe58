from django.core.management.base import BaseCommand, CommandError

from learning.services.balances import balance_differences, rebuild_balances


class Command(BaseCommand):
    help = "从学时台账重新计算年度学时余额，并报告与现有余额的差异。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help="只重算这一年度（默认全部年度）")
        parser.add_argument("--check", action="store_true", help="只报告差异，不写入；有差异时以非零状态退出")

    def handle(self, *args, year=None, check=False, **options):
        if year is not None and not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} 无效。")
        diffs = balance_differences(year) if check else rebuild_balances(year=year)
        for d in diffs:
            what = d.category or "合计"
            self.stdout.write(f"用户 {d.user_id} {d.year} 年 {what}：余额 {d.stored}，台账合计 {d.computed}")
        if not diffs:
            self.stdout.write(self.style.SUCCESS("余额与台账一致。"))
        elif check:
            raise CommandError(f"发现 {len(diffs)} 处差异（未修改）。")
        else:
            self.stdout.write(self.style.WARNING(f"已修正 {len(diffs)} 处差异。"))
