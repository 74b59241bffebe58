"""manage.py import_questions / export_questions."""

import pytest
from django.core.management import CommandError, call_command

from exams.models import Question, QuestionType

from .factories_questions import FORMATS_DIR, make_question

pytestmark = pytest.mark.django_db


def test_import_command_imports_into_the_given_category(capsys):
    call_command(
        "import_questions",
        str(FORMATS_DIR / "aiken/questions.aiken.txt"),
        "--format",
        "aiken",
        "--category",
        "法律知识/Moodle",
    )
    assert Question.objects.filter(category__full_path="法律知识/Moodle").count() == 2
    assert "导入完成：2 题" in capsys.readouterr().out


def test_import_command_dry_run_changes_nothing(capsys):
    call_command(
        "import_questions", str(FORMATS_DIR / "moodle-xml/zh_embedded_image.xml"), "--format", "moodle-xml", "--dry-run"
    )
    out = capsys.readouterr()
    assert not Question.objects.exists()
    assert "检查通过（未写入）：1 题" in out.out and "执法文书-印章" in out.out
    assert "penalty" in out.err


def test_import_command_fails_with_errors_naming_question_and_line(capsys, tmp_path):
    bank = tmp_path / "bank.gift.txt"
    bank.write_text("::好题::行政处罚应当公开。{T}\n\n::坏题::罚款{#=五}元。\n", encoding="utf-8")
    with pytest.raises(CommandError) as exc:
        call_command("import_questions", str(bank), "--format", "gift")
    assert "未导入任何题目" in str(exc.value)
    err = capsys.readouterr().err
    assert "第 3 行，第 2 题「坏题」" in err and "好题" not in err
    assert not Question.objects.exists()


def test_import_command_missing_file():
    with pytest.raises(CommandError, match="无法读取文件"):
        call_command("import_questions", "/nonexistent.xml", "--format", "moodle-xml")


def test_export_command_writes_a_file_that_imports_back(tmp_path):
    make_question(QuestionType.FILL, category="法律知识/填空")
    make_question(category="其他")
    output = tmp_path / "bank.xml"
    call_command("export_questions", "--format", "moodle-xml", "--category", "法律知识", "--output", str(output))
    text = output.read_text(encoding="utf-8")
    assert "$course$/top/法律知识/填空" in text and "其他" not in text
    Question.objects.update(current_version=None)
    Question.objects.all().delete()
    call_command("import_questions", str(output), "--format", "moodle-xml")
    assert Question.objects.get().current_version.accepted_answers == ["非歧视", "非歧视原则"]


def test_export_command_unknown_category(tmp_path):
    with pytest.raises(CommandError, match="找不到分类"):
        call_command("export_questions", "--format", "gift", "--category", "没有", "--output", str(tmp_path / "x"))
