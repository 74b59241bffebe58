"""The Excel template: its examples import; mistakes are named by row and column."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from exams.formats import xlsx
from exams.models import Difficulty, Question, QuestionType
from exams.services.question_import import QuestionImportFailed, import_questions

pytestmark = pytest.mark.django_db


def _workbook(rows, headers=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers or xlsx.headers())
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _row(**values):
    headers = xlsx.headers()
    return [values.get(h, "") for h in headers]


def test_template_has_headers_dropdowns_examples_and_rules():
    workbook = load_workbook(io.BytesIO(xlsx.template()))
    assert workbook.sheetnames == ["题目", "示例", "填写说明"]
    headers = [c.value for c in workbook["题目"][1]]
    assert headers[:4] == ["分类", "题型", "题目名称", "题干"] and "选项H" in headers and "法条" in headers
    assert workbook["题目"].max_row == 1
    assert len(workbook["题目"].data_validations.dataValidation) == 2


def test_the_template_examples_import_as_written():
    examples = load_workbook(io.BytesIO(xlsx.template()))["示例"]
    rows = [list(r) for r in examples.iter_rows(min_row=2, values_only=True)]
    rows[0][-2] = ""  # 法条 needs the law library; tested in the round trip
    outcome = import_questions(data=_workbook(rows), fmt="xlsx")
    assert outcome.created == 7
    single = Question.objects.get(type=QuestionType.SINGLE)
    assert single.current_version.correct_keys == ["B"]
    assert single.current_version.points == Decimal("2.00")
    assert single.current_version.difficulty == Difficulty.EASY
    assert single.category.full_path == "法律知识/行政处罚法"
    multiple = Question.objects.get(type=QuestionType.MULTIPLE)
    assert multiple.current_version.correct_keys == ["A", "B", "C"]
    fill = Question.objects.get(type=QuestionType.FILL)
    assert fill.current_version.accepted_answers == ["非歧视", "非歧视原则"]
    assert Question.objects.get(type=QuestionType.TRUEFALSE).current_version.correct_keys == ["T"]
    short = Question.objects.get(type=QuestionType.SHORT)
    assert short.current_version.accepted_answers == ["（参考答案，供阅卷人参考）"]
    assert short.current_version.points == Decimal("10.00")
    ordering = Question.objects.get(type=QuestionType.ORDERING).current_version
    assert [o["text"] for o in ordering.options] == ["立案", "调查取证", "作出行政处罚决定", "送达行政处罚决定书"]
    assert ordering.data == {"grading": "ABSOLUTE_POSITION"}
    matching = Question.objects.get(type=QuestionType.MATCHING).current_version
    texts = {o["key"]: o["text"] for o in matching.options}
    assert [(o["text"], texts[o["answer"]]) for o in matching.options if o["key"].startswith("P")] == [
        ("警告", "申诫罚"),
        ("罚款", "财产罚"),
        ("行政拘留", "人身罚"),
    ]
    assert "行为罚" in texts.values()


def test_every_bad_row_is_reported_by_row_and_column_and_nothing_is_imported():
    rows = [
        _row(题型="单选题", 题干="好的一题", 选项A="甲", 选项B="乙", 答案="A"),
        _row(题型="选择题", 题干="题型写错", 答案="A"),
        _row(题型="单选题", 题干="答案不存在", 选项A="甲", 选项B="乙", 答案="C"),
        _row(题型="单选题", 题干="两个答案", 选项A="甲", 选项B="乙", 答案="AB"),
        _row(题型="多选题", 题干="选项空缺", 选项A="甲", 选项C="丙", 答案="AC"),
        _row(题型="判断题", 题干="判断", 答案="也许"),
        _row(题型="填空题", 题干="填空", 答案=""),
        _row(题型="单选题", 题干="分值", 选项A="甲", 选项B="乙", 答案="A", 分值="两分"),
        _row(题型="单选题", 题干="难度", 选项A="甲", 选项B="乙", 答案="A", 难度="超难"),
        _row(题型="单选题", 题干="", 选项A="甲", 选项B="乙", 答案="A"),
        _row(题型="单选题", 题干="法条", 选项A="甲", 选项B="乙", 答案="A", 法条="不存在的法第一条"),
    ]
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=_workbook(rows), fmt="xlsx")
    errors = [str(e) for e in exc.value.outcome.errors]
    assert not Question.objects.exists()
    expected = [
        ("第 3 行", "「题型」列", "选择题"),
        ("第 4 行", "「答案」列", "C 没有对应的选项"),
        ("第 5 行", "「答案」列", "只能有一个答案"),
        ("第 6 行", "「选项B」列", "不能空缺"),
        ("第 7 行", "「答案」列", "正确"),
        ("第 8 行", "「答案」列", "| 分隔"),
        ("第 9 行", "「分值」列", "两分"),
        ("第 10 行", "「难度」列", "超难"),
        ("第 11 行", "题干不能为空", ""),
        ("第 12 行", "「法条」列", "不存在的法第一条"),
    ]
    assert len(errors) == len(expected)
    for error, (row, what, detail) in zip(errors, expected, strict=True):
        assert error.startswith(row) and what in error and detail in error


def test_missing_required_header_is_reported():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=_workbook([["单选题"]], headers=["题型"]), fmt="xlsx")
    message = str(exc.value.outcome.errors[0])
    assert "缺少表头“题干”" in message and "缺少表头“答案”" in message


def test_a_file_that_is_not_excel_is_refused():
    with pytest.raises(QuestionImportFailed) as exc:
        import_questions(data=b"not a workbook", fmt="xlsx")
    assert "请上传 Excel" in str(exc.value.outcome.errors[0])


def test_full_width_answers_and_formula_like_texts():
    rows = [
        _row(题型="多选", 题干="全角答案", 选项A="'=SUM(A1)", 选项B="'-1", 选项C="丙", 答案="ＡＣ"),
    ]
    import_questions(data=_workbook(rows), fmt="xlsx")
    options = Question.objects.get().current_version.options
    assert [o["text"] for o in options] == ["=SUM(A1)", "-1", "丙"]
    assert [o["correct"] for o in options] == [True, False, True]


def test_a_bank_exported_elsewhere_with_other_column_names_and_a_title_row_imports():
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["行政处罚法试题库（2026 年版）"])
    sheet.append(["序号", "试题类型", "*试题内容", "A", "B", "C", "D", "正确答案", "分数", "答案解析"])
    sheet.append([1, "单选题", "行政处罚的设定机关是？", "国务院", "乡政府", "村委会", "个人", "A", 2, "见第十条"])
    sheet.append([2, "判断题", "警告属于行政处罚。", "", "", "", "", "对", 1, ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    outcome = import_questions(data=buffer.getvalue(), fmt="xlsx")
    assert outcome.created == 2
    single = Question.objects.get(type=QuestionType.SINGLE).current_version
    assert [o["text"] for o in single.options if o["correct"]] == ["国务院"]
    assert single.points == Decimal("2") and "见第十条" in single.explanation
