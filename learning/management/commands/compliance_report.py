import csv

from django.core.management.base import BaseCommand, CommandError

from accounts.models import OrgUnit
from core.xlsx import neutralise, write_workbook
from learning.selectors import compliance as sel


class Command(BaseCommand):
    help = "导出学时达标名单：每名人员一行（工号、姓名、单位路径、学时、应修学时、是否达标、分类学时）。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--unit", help="单位代码（默认全部单位）")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument("--output", help="输出文件（默认标准输出；xlsx 必须指定）")

    def handle(self, *args, year, unit=None, format="csv", output=None, **options):
        if not 2000 <= year <= 2100:
            raise CommandError(f"年度 {year} 无效。")
        org_unit = None
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"没有代码为“{unit}”的单位。")
        if format == "xlsx" and not output:
            raise CommandError("xlsx 格式需要用 --output 指定文件。")
        headers, rows = sel.export_table(None, org_unit, sel.report_rules(year))
        try:
            count = self._write(headers, rows, format, output, year)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}")
        self.stderr.write(f"共 {count} 人。")

    def _write(self, headers, rows, fmt, output, year) -> int:
        rows = list(rows)
        if fmt == "xlsx":
            with open(output, "wb") as fh:
                fh.write(write_workbook(headers, rows, title=f"{year}年学时"))
            return len(rows)
        fh = open(output, "w", newline="", encoding="utf-8-sig") if output else self.stdout
        try:
            writer = csv.writer(fh)
            writer.writerow(headers)
            for row in rows:
                writer.writerow([neutralise(v) if isinstance(v, str) else v for v in row])
        finally:
            if output:
                fh.close()
        return len(rows)
