from django.core.management.base import BaseCommand, CommandError

from core.xlsx import ImportFailed
from directory.sync.ldap import DirectoryError
from directory.sync.report import report_lines
from directory.sync.service import run_directory_sync


class Command(BaseCommand):
    help = "从 LDAP 目录同步单位和人员（任何一处有错则整体不同步；已不在目录中的人员停用账号，不删除）。"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将发生的变化，不写入")
        parser.add_argument(
            "--allow-mass-deactivation",
            action="store_true",
            help="允许本次停用的人数超过 DIRECTORY_SYNC_MAX_DEACTIVATIONS",
        )

    def handle(self, *args, dry_run, allow_mass_deactivation, **options):
        try:
            report = run_directory_sync(dry_run=dry_run, allow_mass_deactivation=allow_mass_deactivation, via="command")
        except DirectoryError as exc:
            raise CommandError(f"目录同步失败，未作任何改动：{exc.message}") from None
        except ImportFailed as exc:
            for line in exc.problems.lines():
                self.stderr.write(line)
            raise CommandError(f"目录同步被拒绝：共 {exc.problems.total} 个问题，未作任何改动。") from None
        for line in report_lines(report):
            self.stdout.write(line)
