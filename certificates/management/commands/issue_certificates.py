"""``manage.py issue_certificates --year Y [--unit CODE] [--zip FILE]``: the year-end run from a shell."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.drilldown import child_units
from accounts.models import OrgUnit
from certificates.services.certificates import annual_certificates_in, issue_due_annual, write_zip


class Command(BaseCommand):
    help = "颁发年度培训合格证明（已颁发的不会重复），可选把全部 PDF 写入一个 ZIP。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度")
        parser.add_argument("--unit", help="单位代码（含下属单位）；不填为全部单位")
        parser.add_argument("--zip", dest="zip_path", help="把该范围内全部有效的年度证书写入这个 ZIP 文件")

    def handle(self, *args, year: int, unit: str | None, zip_path: str | None, **options):
        if unit:
            units = list(OrgUnit.objects.filter(code=unit))
            if not units:
                raise CommandError(f"找不到单位代码“{unit}”。")
        else:
            units = child_units(None, None)
        due_total = created_total = 0
        for org_unit in units:
            due, created = issue_due_annual(
                year=year,
                unit=org_unit,
                progress=lambda done, total, name=org_unit.full_path: self.stderr.write(f"{name}: {done}/{total}"),
            )
            due_total += due
            created_total += created
        self.stdout.write(f"{year} 年度：达标 {due_total} 人，新颁发 {created_total} 份。")
        if zip_path:
            target = Path(zip_path)
            with target.open("wb") as handle:
                count = write_zip(
                    (c for org_unit in units for c in annual_certificates_in(year, org_unit).iterator(chunk_size=500)),
                    handle,
                )
            self.stdout.write(f"已写入 {target}：{count} 份证书。")
