from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from exams.selectors.questions import find_category
from exams.services.question_import import EXPORT_FORMATS, export_questions


class Command(BaseCommand):
    help = "导出题库（Excel、Moodle XML、GIFT），可只导出一个分类及其下级。"

    def add_arguments(self, parser):
        parser.add_argument("--format", required=True, choices=sorted(EXPORT_FORMATS), dest="fmt")
        parser.add_argument("--category", default="", help="分类路径，如 法律知识/行政处罚法")
        parser.add_argument("--output", required=True, help="输出文件")
        parser.add_argument("--include-archived", action="store_true", help="包括已归档的题目")

    def handle(self, *args, fmt, category, output, include_archived, **options):
        node = None
        if category:
            node = find_category(category)
            if node is None:
                raise CommandError(f"找不到分类：{category}")
        left_out: list[str] = []
        data = export_questions(fmt=fmt, category=node, include_archived=include_archived, left_out=left_out)
        for label in left_out:
            self.stderr.write(f"未导出（{fmt} 无法表示这种题型）：{label}")
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"无法写入 {output}：{exc.strerror}") from None
        self.stdout.write(f"已导出到 {output}（{len(data)} 字节）")
