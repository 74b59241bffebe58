"""``manage.py import_laws [DIR]`` — import law texts (Markdown) into the law library.

All or nothing: if any file is malformed, every problem is printed with its file
name and line, nothing is written, and the command exits with status 1.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cms.laws.importer import LawImportFailed, import_law_directory


class Command(BaseCommand):
    help = "导入法规 Markdown 文本目录（全部成功才写入；可重复运行）。"

    def add_arguments(self, parser):
        parser.add_argument("directory", nargs="?", help="法规目录；省略时使用设置 LAWS_DIR。")

    def handle(self, *args, directory=None, **options):
        directory = directory or getattr(settings, "LAWS_DIR", "")
        if not directory:
            raise CommandError("请指定法规目录（import_laws DIR），或设置环境变量 LAWS_DIR。")
        try:
            summary = import_law_directory(directory)
        except LawImportFailed as failure:
            for error in failure.errors:
                self.stderr.write(str(error))
            raise CommandError(f"导入失败：发现 {len(failure.errors)} 处问题，未做任何更改。")
        for line in summary.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("导入完成。" if summary.changed else "导入完成：没有变化。"))
