from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts import audit
from core.xlsx import ImportFailed
from directory.importers.staff import import_staff, validate_initial_password


class Command(BaseCommand):
    help = "从 Excel 文件导入人员（按工号新增或更新；任何一行有错则不导入）。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="人员名单 .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--create-units", action="store_true", help="自动创建不存在的单位路径")
        parser.add_argument("--initial-password", default=None, help="新账号的初始密码（须符合平台的密码规则）")

    def handle(self, *args, file, dry_run, create_units, initial_password, **options):
        # Run on the server by its operators: a trusted caller, not limited to an org scope.
        if initial_password is not None:
            try:
                validate_initial_password(initial_password)
            except ValidationError as exc:
                raise CommandError(" ".join(exc.messages)) from None
        try:
            with open(file, "rb") as fh:
                result = import_staff(fh, create_units=create_units, dry_run=dry_run, initial_password=initial_password)
        except FileNotFoundError:
            raise CommandError(f"找不到文件：{file}") from None
        except ImportFailed as exc:
            for line in exc.problems.lines():
                self.stderr.write(line)
            raise CommandError(f"导入失败：共 {exc.problems.total} 个问题，未导入任何数据。") from None
        if not dry_run:
            audit.record(
                actor=None,
                action="staff_import",
                summary=f"命令行导入人员 {file}",
                details={"created": result.created, "updated": result.updated, "units_created": result.units_created},
            )
        prefix = "检查通过（未写入）" if dry_run else "导入完成"
        self.stdout.write(
            f"{prefix}：新增 {result.created}，更新 {result.updated}，未变 {result.unchanged}"
            + (f"，新建单位 {len(result.units_created)}" if result.units_created else "")
        )
        if result.ignored_columns:
            self.stdout.write("忽略的列：" + "、".join(result.ignored_columns))
        if result.needs_activation:
            self.stdout.write(
                f"仍需激活：{len(result.needs_activation)} 人（还不能登录；"
                "用 manage.py activation_letters 或“人员名册 → 打印开通通知书”打印开通通知书）"
            )
