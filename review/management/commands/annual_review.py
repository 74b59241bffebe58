from django.core.management.base import BaseCommand, CommandError

from accounts.drilldown import child_units
from accounts.models import OrgUnit
from review.export import ROWS_PER_PART, RosterPdfError, write_roster
from review.selectors.review import roster, roster_counts
from review.services.review import ReviewError, check_year, run_annual_review

EXTENSIONS = (".xlsx", ".pdf")


class Command(BaseCommand):
    help = "执法证年审：按年度学时要求和年度学法考试审核每张执法证（可重复运行，结果不变则不做任何修改），并可导出年审名册。"

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="年度（须已结束）")
        parser.add_argument("--unit", help="单位代码（默认全部单位）")
        parser.add_argument("--output", help="名册文件，扩展名 .xlsx 或 .pdf")

    def handle(self, *args, year, unit=None, output=None, **options):
        org_unit = None
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"没有代码为“{unit}”的单位。")
        if output and not output.lower().endswith(EXTENSIONS):
            raise CommandError(f"输出文件“{output}”的扩展名须为 .xlsx 或 .pdf。")
        try:
            check_year(year)
            run = run_annual_review(year=year, unit=org_unit)
        except ReviewError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            f"{year} 年度年审：审核 {run.reviewed} 张执法证，通过 {run.passed}，未通过 {run.failed}；"
            f"新增结果 {run.created}，更新 {run.updated}，转为待审核 {run.to_pending}，恢复有效 {run.cleared}。"
        )
        if not output:
            return
        roots = child_units(None, None)
        count_unit = org_unit or (roots[0] if len(roots) == 1 else None)  # one prefecture: count by county
        totals, unit_rows = roster_counts(None, count_unit, year)
        try:
            write_roster(
                output,
                # Read through a cursor, one part at a time: a province's roster is not held in memory.
                outcomes=roster(None, org_unit, year).iterator(chunk_size=ROWS_PER_PART),
                year=year,
                scope_label=org_unit.full_path if org_unit else "全部单位",
                totals=totals,
                unit_rows=unit_rows,
            )
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror or exc}")
        except RosterPdfError as exc:
            raise CommandError(f"无法生成 PDF：{exc}")
        self.stderr.write(f"名册已写入 {output}（{totals.reviewed} 人）。")
