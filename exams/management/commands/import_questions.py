from django.core.management.base import BaseCommand, CommandError

from exams.models import DuplicatePolicy
from exams.services.question_import import FORMATS, QuestionImportFailed, import_questions


class Command(BaseCommand):
    help = "导入题库文件（Excel 模板、Moodle XML、GIFT、Aiken）。任何一题有错则整个文件不导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="题库文件")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), dest="fmt")
        parser.add_argument("--category", default="", help="导入到的分类路径，如 法律知识/行政处罚法")
        parser.add_argument("--dry-run", action="store_true", help="只检查并列出将导入的题目，不写入")
        parser.add_argument(
            "--skip-unsupported", action="store_true", help="跳过本平台没有的题型（计算题、图片拖放等），而不是报错"
        )
        parser.add_argument(
            "--duplicates",
            choices=DuplicatePolicy.values,
            default=DuplicatePolicy.SKIP,
            help="题库中已有的题（编号相同，或同一分类中题干和选项相同）：skip 跳过（默认），version 作为新版本，new 作为新题",
        )

    def handle(self, *args, file, fmt, category, dry_run, skip_unsupported, duplicates, **options):
        try:
            with open(file, "rb") as fh:
                data = fh.read()
        except OSError as exc:
            raise CommandError(f"无法读取文件：{file}（{exc.strerror}）") from None
        try:
            outcome = import_questions(
                data=data,
                fmt=fmt,
                base_category=category,
                dry_run=dry_run,
                skip_unsupported=skip_unsupported,
                duplicate_policy=duplicates,
            )
        except QuestionImportFailed as exc:
            for line in exc.outcome.errors.lines():
                self.stderr.write(f"错误 {line}")
            for line in exc.outcome.warnings.lines():
                self.stderr.write(f"提示 {line}")
            raise CommandError(f"导入失败：共 {exc.outcome.errors.total} 个错误，未导入任何题目。") from None
        for line in outcome.warnings.lines():
            self.stderr.write(f"提示 {line}")
        counts = "，".join(f"{label} {n}" for label, n in outcome.by_type.items())
        if dry_run:
            for row in outcome.preview:
                self.stdout.write(
                    f"第 {row.line} 行\t{row.type_label}\t{row.category}\t{row.points} 分\t{row.label}\t{row.answer}"
                )
            self.stdout.write(f"检查通过（未写入）：{len(outcome.preview)} 题（{counts}）")
        else:
            self.stdout.write(f"导入完成：{outcome.created} 题（{counts}）")
        for match in outcome.duplicates:
            self.stdout.write(
                f"题库中已有：第 {match.line} 行 {match.label} → #{match.question_id}（{match.reason_label}）"
            )
        if outcome.skipped:
            self.stdout.write(f"跳过题库中已有的题：{outcome.skipped} 题")
        if outcome.versioned:
            self.stdout.write(f"按文件更新题库中已有的题：{outcome.versioned} 题")
        if outcome.categories:
            self.stdout.write("新建分类：" + "、".join(outcome.categories))
