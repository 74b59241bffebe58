"""The Excel template trainers fill in: one question per row.

Columns (first row, any order): 题型, 题干, 答案 are required; 分类, 题目名称,
选项A…选项H (more letters allowed), 分值, 难度, 解析, 标签, 法条, 编号 are optional.

* 题型: 单选题 / 多选题 / 判断题 / 填空题 / 简答题 / 匹配题 (单选, 多选… also accepted: each type's ``aliases``)
* 答案: 单选 ``B``; 多选 ``ABD`` (or ``A,B,D``); 判断 正确/错误 (对/错, √/×, T/F);
  填空 accepted answers separated by ``|``; 简答 the reference answer for graders;
  匹配 empty (``不打乱`` keeps the items in order), its pairs in the option cells, one
  ``左项 -> 右项`` each, ``-> 干扰项`` an extra wrong answer
* 分值 default 1; 难度 容易/中等/困难 (default 中等); 标签 and 法条 separated by
  ``；`` or ``，``; 法条 like ``行政处罚法第五十九条`` (must exist in the law library)
* 题干 and 解析 are plain text unless they contain HTML tags.

Multiple-choice partial credit uses the default fractions (see
the type's ``normalise``): the template carries no per-option weights.
"""

from __future__ import annotations

import io
import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from core.xlsx import FORMULA_PREFIXES, ImportFailed, count_rows, read_table, write_workbook
from exams import qtypes
from exams.formats.base import DraftQuestion, FormatError, ParseResult, question_label
from exams.models import Difficulty
from exams.richtext import html_to_text_exact, is_plain_html, looks_like_html, plain_to_html, sanitize_html

COL_CATEGORY, COL_TYPE, COL_NAME, COL_STEM = "分类", "题型", "题目名称", "题干"
COL_ANSWER, COL_POINTS, COL_DIFFICULTY, COL_EXPLANATION = "答案", "分值", "难度", "解析"
COL_TAGS, COL_LAWS, COL_IDNUMBER = "标签", "法条", "编号"
OPTION_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
TEMPLATE_OPTIONS = "ABCDEFGH"
REQUIRED = [COL_TYPE, COL_STEM, COL_ANSWER]
OPTIONAL = [COL_CATEGORY, COL_NAME, COL_POINTS, COL_DIFFICULTY, COL_EXPLANATION, COL_TAGS, COL_LAWS, COL_IDNUMBER] + [
    f"选项{letter}" for letter in OPTION_LETTERS
]
#: Other names question-bank spreadsheets give our columns (compared without spaces and "*" marks).
ALIASES = {
    **dict.fromkeys(["题目类型", "试题类型", "类型"], COL_TYPE),
    **dict.fromkeys(["题目", "试题", "题目内容", "试题内容", "题干内容"], COL_STEM),
    **dict.fromkeys(["正确答案", "参考答案", "标准答案"], COL_ANSWER),
    **dict.fromkeys(["分数", "题目分值"], COL_POINTS),
    **dict.fromkeys(["难易程度", "难易度", "难度系数"], COL_DIFFICULTY),
    **dict.fromkeys(["答案解析", "试题解析"], COL_EXPLANATION),
    **dict.fromkeys(["所属分类", "题库分类", "试题分类"], COL_CATEGORY),
    **dict.fromkeys(["考查法条", "相关法条", "法律依据"], COL_LAWS),
    **{
        alias: f"选项{letter}"
        for letter in OPTION_LETTERS
        for alias in (letter, f"{letter}选项", f"选项{letter.lower()}")
    },
}


def type_by_label() -> dict[str, str]:
    """What the 题型 column may say (each type's Chinese names, and its own name), for the types Excel can hold."""
    return {alias: t.name for t in qtypes.all_types() if t.xlsx for alias in (*t.aliases, t.name)}


DIFFICULTY_BY_LABEL = {
    "": Difficulty.MEDIUM,
    "容易": Difficulty.EASY,
    "易": Difficulty.EASY,
    "简单": Difficulty.EASY,
    "中等": Difficulty.MEDIUM,
    "中": Difficulty.MEDIUM,
    "一般": Difficulty.MEDIUM,
    "困难": Difficulty.HARD,
    "难": Difficulty.HARD,
    "较难": Difficulty.HARD,
    **{d.value: d for d in Difficulty},
}
TRUE_WORDS = {"正确", "对", "是", "√", "✓", "T", "TRUE", "Y", "YES"}
FALSE_WORDS = {"错误", "错", "否", "×", "✗", "X", "F", "FALSE", "N", "NO"}
LIST_SPLIT_RE = re.compile(r"[；;，,、\n]+")
FILL_SPLIT_RE = re.compile(r"[|｜]")


def _cell(value: str) -> str:
    """Undo ``neutralise``: a quote we put before a formula-like text is not part of it."""
    if len(value) > 1 and value[0] == "'" and value[1] in FORMULA_PREFIXES:
        return value[1:]
    return value


def _rich(value: str) -> str:
    return sanitize_html(value) if looks_like_html(value) else plain_to_html(value)


def count_questions(data: bytes) -> int | None:
    """About how many questions the workbook holds (its longest sheet's rows below a header), without
    reading them; ``None`` when it cannot be read or is over the cap (``parse`` then says why)."""
    rows = count_rows(io.BytesIO(data), max_rows=settings.MAX_IMPORT_QUESTIONS)
    return max(rows - 1, 0) if rows else None


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    number = 0
    try:
        _ignored, rows = read_table(
            io.BytesIO(data),
            required=REQUIRED,
            optional=OPTIONAL,
            aliases=ALIASES,
            max_rows=settings.MAX_IMPORT_QUESTIONS,
        )
        for row_number, row in rows:
            number += 1
            row = {k: _cell(v) for k, v in row.items()}
            draft = _read_row(row, row_number, number, result)
            if draft is not None:
                result.questions.append(draft)
    except ImportFailed as exc:  # the file as a whole (unreadable, too long, headers missing)
        raise FormatError("；".join(exc.problems.lines())) from None
    if number == 0:
        result.error(_("表格中没有题目（第一行是表头，从第二行起每行一题）。"))
    return result


def _read_row(row: dict, line: int, number: int, result: ParseResult) -> DraftQuestion | None:
    stem = row.get(COL_STEM, "")
    label = question_label(number, row.get(COL_NAME, ""), plain_to_html(stem))

    def error(column: str, message: str) -> None:
        result.error(_("「%(c)s」列：%(m)s") % {"c": column, "m": message}, line=line, question=label)

    qtype = type_by_label().get(row.get(COL_TYPE, "").replace(" ", ""))
    if qtype is None:
        error(
            COL_TYPE,
            _("“%(v)s”不是题型，应为 %(types)s。")
            % {"v": row.get(COL_TYPE, ""), "types": "、".join(type_labels().values())},
        )
        return None
    draft = DraftQuestion(
        qtype=qtype,
        stem=_rich(stem),
        number=number,
        line=line,
        name=row.get(COL_NAME, ""),
        explanation=_rich(row.get(COL_EXPLANATION, "")),
        idnumber=row.get(COL_IDNUMBER, ""),
        tags=[t.strip() for t in LIST_SPLIT_RE.split(row.get(COL_TAGS, "")) if t.strip()],
        category=[p.strip() for p in row.get(COL_CATEGORY, "").split("/") if p.strip()],
        law_refs=[r.strip() for r in re.split(r"[；;\n]+", row.get(COL_LAWS, "")) if r.strip()],
    )
    ok = True
    points = row.get(COL_POINTS, "")
    if points:
        try:
            draft.points = Decimal(unicodedata.normalize("NFKC", points))
        except InvalidOperation:
            error(COL_POINTS, _("“%(v)s”不是数字。") % {"v": points})
            ok = False
    difficulty = DIFFICULTY_BY_LABEL.get(row.get(COL_DIFFICULTY, "").strip())
    if difficulty is None:
        error(COL_DIFFICULTY, _("“%(v)s”应为 容易、中等 或 困难。") % {"v": row.get(COL_DIFFICULTY)})
        ok = False
    else:
        draft.difficulty = difficulty
    answer = unicodedata.normalize("NFKC", row.get(COL_ANSWER, "")).strip()
    ok = qtypes.get(qtype).read_xlsx(row, answer, draft, error) and ok
    return draft if ok else None


def read_choice(row: dict, qtype: str, answer: str, draft: DraftQuestion, error) -> bool:
    """The 选项A… columns and the answer's letters of a choice question."""
    texts = [(letter, row.get(f"选项{letter}", "").strip()) for letter in OPTION_LETTERS]
    last = max((i for i, (_l, t) in enumerate(texts) if t), default=-1)
    texts = texts[: last + 1]
    gaps = [letter for letter, text in texts if not text]
    if gaps:
        error(f"选项{gaps[0]}", _("选项不能空缺（后面的选项有内容）。"))
        return False
    letters = [c for c in answer.upper() if c.isalpha()]
    if not letters:
        error(COL_ANSWER, _("选择题的答案应为选项字母，如 B 或 ABD。"))
        return False
    unknown = [c for c in letters if c not in [letter for letter, _t in texts]]
    if unknown:
        error(COL_ANSWER, _("答案 %(a)s 没有对应的选项。") % {"a": "、".join(unknown)})
        return False
    if qtype == "single" and len(set(letters)) > 1:
        error(COL_ANSWER, _("单选题只能有一个答案，现为 %(a)s。") % {"a": "".join(letters)})
        return False
    draft.options = [{"text": text, "correct": letter in letters} for letter, text in texts]
    return True


# --- export and template ---------------------------------------------------------------


def _plain_or_html(value: str) -> str:
    return html_to_text_exact(value) if is_plain_html(value) else value


def type_labels() -> dict[str, str]:
    """The 题型 column's word for each type Excel can hold (the template's list)."""
    return {t.name: t.aliases[0] for t in qtypes.all_types() if t.xlsx}


DIFFICULTY_LABELS = {Difficulty.EASY: "容易", Difficulty.MEDIUM: "中等", Difficulty.HARD: "困难"}


def headers(option_count: int = len(TEMPLATE_OPTIONS)) -> list[str]:
    options = [f"选项{OPTION_LETTERS[i]}" for i in range(max(option_count, len(TEMPLATE_OPTIONS)))]
    return [
        COL_CATEGORY,
        COL_TYPE,
        COL_NAME,
        COL_STEM,
        *options,
        COL_ANSWER,
        COL_POINTS,
        COL_DIFFICULTY,
        COL_EXPLANATION,
        COL_TAGS,
        COL_LAWS,
        COL_IDNUMBER,
    ]


def export(questions, *, category_of, citation_of) -> bytes:
    questions = list(questions)
    cells = {q.pk: qtypes.get(q.type).write_xlsx(q.current_version) for q in questions}
    width = max((len(cells[q.pk][0]) for q in questions), default=0)
    cols = headers(width)
    n_options = len([c for c in cols if c.startswith("选项")])

    def rows():
        for q in questions:
            v = q.current_version
            options, answer = cells[q.pk]
            yield [
                "/".join(category_of(q)),
                type_labels()[q.type],
                q.name,
                _plain_or_html(qtypes.get(q.type).export_stem(v)),
                *(options + [""] * (n_options - len(options))),
                answer,
                Decimal(v.points),
                DIFFICULTY_LABELS.get(v.difficulty, "中等"),
                _plain_or_html(v.explanation),
                "，".join(t.name for t in q.tags.all()),
                "；".join(citation_of(a) for a in q.law_articles.all()),
                q.idnumber,
            ]

    return write_workbook(cols, rows(), title="题目")


EXAMPLES = [
    [
        "法律知识/行政处罚法",
        "单选题",
        "",
        "行政处罚决定书应当盖有什么？",
        "当事人签名",
        "作出决定的行政机关印章",
        "执法人员签名",
        "",
        "B",
        "2",
        "容易",
        "见行政处罚法第五十九条。",
        "行政处罚法",
        "行政处罚法第五十九条",
    ],
    [
        "法律知识/行政处罚法",
        "多选题",
        "",
        "行政处罚的种类包括：",
        "警告",
        "罚款",
        "行政拘留",
        "记过",
        "ABC",
        "2",
        "中等",
        "记过是政务处分，不是行政处罚。",
        "",
        "",
    ],
    [
        "法律知识/行政处罚法",
        "判断题",
        "",
        "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚。",
        "",
        "",
        "",
        "",
        "正确",
        "1",
        "",
        "",
        "",
        "",
    ],
    [
        "法律知识/行政许可法",
        "填空题",
        "",
        "行政许可应当遵循公开、公平、公正、______的原则。",
        "",
        "",
        "",
        "",
        "非歧视|非歧视原则",
        "1",
        "",
        "",
        "",
        "",
    ],
    [
        "法律知识/行政复议法",
        "简答题",
        "",
        "简述行政复议的受案范围。",
        "",
        "",
        "",
        "",
        "（参考答案，供阅卷人参考）",
        "10",
        "困难",
        "",
        "",
        "",
    ],
    [
        "法律知识/行政处罚法",
        "排序题",
        "",
        "把行政处罚普通程序的步骤排成正确的顺序。",
        "立案",
        "调查取证",
        "作出行政处罚决定",
        "送达行政处罚决定书",
        "按位置",
        "2",
        "中等",
        "",
        "",
        "",
    ],
    [
        "法律知识/行政处罚法",
        "匹配题",
        "",
        "将下列行政处罚与其种类对应起来。",
        "警告 -> 申诫罚",
        "罚款 -> 财产罚",
        "行政拘留 -> 人身罚",
        "-> 行为罚",
        "",
        "3",
        "中等",
        "“行为罚”是干扰项。",
        "",
        "",
    ],
]
GUIDE = [
    ("题型", "必填。{types}。"),
    ("题干", "必填。纯文本；如需格式，可直接写 HTML。"),
    (
        "选项A–选项H",
        "单选题、多选题填写，依次填写不可空缺；需要更多选项时可增加“选项I”等列。"
        "匹配题每格写一对“左项 -> 右项”，只写“-> 右项”的格是干扰项（不对应任何左项）。",
    ),
    (
        "答案",
        "必填。单选题填字母（B）；多选题填多个字母（ABD）；判断题填“正确”或“错误”；"
        "填空题填可接受的答案，多个用 | 分隔（判分时忽略全角半角、空格和大小写）；简答题填参考答案（可空）；"
        "匹配题留空（左项需保持原顺序、不随试卷打乱时填“不打乱”）。",
    ),
    ("分值", "可空，默认 1 分。"),
    ("难度", "可空：容易、中等、困难，默认中等。"),
    ("分类", "可空：如“法律知识/行政处罚法”，不存在时自动创建；导入页面选择的分类作为上级。"),
    ("标签", "可空，多个用“，”分隔。"),
    ("法条", "可空：如“行政处罚法第五十九条”，多个用“；”分隔；须已在法规库中。"),
    ("解析", "可空，考后按复习设置向学员显示。"),
    ("多选题部分得分", "按“少选按比例得分、错选不得分”计算（考试设置为部分得分时）。"),
    ("导入规则", "整份文件全部正确才会导入；有任何错误都不导入，并列出出错的行和原因。"),
]


def guide() -> list[tuple[str, str]]:
    """The 填写说明 sheet: the common rules, the 题型 list and each type's own 答案 rule (``QType.xlsx_guide``)."""
    rows = [(title, text.format(types="、".join(type_labels().values()))) for title, text in GUIDE]
    at = next(i for i, (title, _text) in enumerate(rows) if title == "答案") + 1
    own = [(f"{t.aliases[0]}的答案", t.xlsx_guide) for t in qtypes.all_types() if t.xlsx and t.xlsx_guide]
    return rows[:at] + own + rows[at:]


def template() -> bytes:
    """The empty template (with drop-downs), a sheet of examples and a sheet of rules."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "题目"
    cols = headers()
    sheet.append(cols)
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="DDEBF7")
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    widths = {COL_STEM: 50, COL_EXPLANATION: 30, COL_CATEGORY: 22, COL_LAWS: 24, COL_ANSWER: 14}
    for index, name in enumerate(cols, start=1):
        sheet.column_dimensions[sheet.cell(row=1, column=index).column_letter].width = widths.get(name, 12)
    sheet.freeze_panes = "A2"
    for name, values in ((COL_TYPE, list(type_labels().values())), (COL_DIFFICULTY, list(DIFFICULTY_LABELS.values()))):
        letter = sheet.cell(row=1, column=cols.index(name) + 1).column_letter
        validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
        validation.add(f"{letter}2:{letter}2000")
        sheet.add_data_validation(validation)
    examples = workbook.create_sheet("示例")
    examples.append(cols)
    for row in EXAMPLES:
        examples.append(row[:4] + row[4:8] + [""] * 4 + row[8:])
    rules = workbook.create_sheet("填写说明")
    rules.append(["列", "说明"])
    for row in guide():
        rules.append(list(row))
    rules.column_dimensions["A"].width = 16
    rules.column_dimensions["B"].width = 100
    for row in rules.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
