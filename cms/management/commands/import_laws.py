"""``manage.py import_laws [DIR]`` — import law texts (Markdown) into the law library.

All or nothing for each file: a malformed file is refused (every problem printed
with its file name and line) while the good files of the directory go in; the
command then exits with status 1 so that a deployment script notices. Importing a
new version of a law flags the courses, lessons and questions citing its amended
articles for their trainers (``cms.laws.flags``); re-running the command on a
library imported before that existed compares its versions and flags them too.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from cms.laws.importer import LawImportFailed, import_law_directory


class Command(BaseCommand):
    help = "导入法规 Markdown 文本目录（逐个文件导入：有问题的文件整份不导入，其余照常导入；可重复运行）。"

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
        for error in summary.refused:
            self.stderr.write(str(error))
        for line in summary.lines():
            self.stdout.write(line)
        if summary.refused:
            raise CommandError(
                _(
                    "有 %(count)d 个文件未导入（%(names)s）：请按上面列出的文件和行号修改后重新运行；其余 %(done)d 个文件已导入。"
                )
                % {
                    "count": len(summary.refused_files),
                    "names": "、".join(summary.refused_files),
                    "done": summary.files_imported,
                }
            )
        self.stdout.write(self.style.SUCCESS("导入完成。" if summary.changed else "导入完成：没有变化。"))
