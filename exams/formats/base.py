"""What every question format produces: drafts, and issues naming question and line.

A parser never writes to the database. It turns a file into ``DraftQuestion``
values plus ``Issue`` values: errors (the import must not happen), warnings
(something the file holds that we cannot keep — shown to the user before they
confirm) and "unsupported" (a question type we cannot represent: an error unless
the user chose to skip such questions, then a warning naming each one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from exams.models import Difficulty
from exams.richtext import excerpt, html_to_text

ERROR, WARNING, UNSUPPORTED = "error", "warning", "unsupported"


@dataclass
class Issue:
    message: str
    line: int | None = None
    question: str | None = None
    level: str = ERROR

    def __str__(self) -> str:
        where = []
        if self.line:
            where.append(_("第 %(line)s 行") % {"line": self.line})
        if self.question:
            where.append(self.question)
        return f"{'，'.join(where)}：{self.message}" if where else self.message


@dataclass
class DraftQuestion:
    """A question as read from a file, before validation. ``stem``/``explanation`` are HTML."""

    qtype: str
    stem: str
    number: int
    line: int | None = None
    name: str = ""
    options: list[dict] = field(default_factory=list)
    accepted_answers: list[str] = field(default_factory=list)
    points: Decimal = Decimal("1")
    difficulty: str = Difficulty.MEDIUM
    explanation: str = ""
    idnumber: str = ""
    tags: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    law_refs: list[str] = field(default_factory=list)
    is_archived: bool = False
    #: The type's own settings (``QuestionVersion.data``), as far as the file sets them.
    data: dict = field(default_factory=dict)
    #: How the file wrote it when that matters later (GIFT "missing_word": the answer braces sat inside the stem).
    form: str = ""

    @property
    def label(self) -> str:
        return question_label(self.number, self.name, self.stem)


@dataclass
class DeferredQuestion:
    """A question of a type the bank cannot hold yet, read far enough to name it and to keep its answers.

    ``qtype`` is the file's own name (Moodle's: ``calculated``, ``ddimageortext``, ``ddmarker``…: the types
    no registered type reads, ``exams.qtypes.for_moodle``); ``data`` holds what was read: for the calculated
    types their ``answers`` [{"value" (the formula), "tolerance", "fraction"}] and ``units``. The import
    refuses or skips these; a later question type reads them from here instead of parsing the file again.
    ``stem`` is the Moodle XML question text as the file has it (unsanitised, ``@@PLUGINFILE@@``
    references unresolved) and GIFT's stem already as our HTML.
    """

    qtype: str
    number: int
    line: int | None
    name: str
    stem: str
    label: str
    category: list[str] = field(default_factory=list)
    data: dict = field(default_factory=dict)


def question_label(number: int, name: str = "", stem: str = "") -> str:
    """How errors name a question: 第 3 题「Q5」 (its name, or the start of its stem)."""
    title = " ".join(html_to_text(name).split())[:40] if name else excerpt(stem, 24)
    return _("第 %(n)s 题「%(t)s」") % {"n": number, "t": title} if title else _("第 %(n)s 题") % {"n": number}


@dataclass
class ParseResult:
    questions: list[DraftQuestion] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    #: Descriptions of categories the file declares, by path tuple.
    category_descriptions: dict[tuple[str, ...], str] = field(default_factory=dict)
    #: Labels of questions with a Moodle penalty (reported once, for the whole file).
    penalised: list[str] = field(default_factory=list)
    #: Questions of types we cannot hold yet, as far as they were read (each also has an UNSUPPORTED issue).
    deferred: list[DeferredQuestion] = field(default_factory=list)
    #: Warnings given so far, to give each once without searching ``issues`` (10,000 questions).
    _warned: set = field(default_factory=set, repr=False, compare=False)

    def error(self, message: str, *, line: int | None = None, question: str | None = None) -> None:
        self.issues.append(Issue(message, line, question, ERROR))

    def warn(self, message: str, *, line: int | None = None, question: str | None = None) -> None:
        key = (message, line, question)
        if key not in self._warned:  # one warning per kind and question is enough
            self._warned.add(key)
            self.issues.append(Issue(message, line, question, WARNING))

    def unsupported(self, message: str, *, line: int | None = None, question: str | None = None) -> None:
        self.issues.append(Issue(message, line, question, UNSUPPORTED))


class FormatError(Exception):
    """The file as a whole cannot be read (wrong encoding, not XML, unsafe XML)."""

    def __init__(self, message: str, line: int | None = None):
        self.issue = Issue(message, line)
        super().__init__(str(self.issue))


def check_question_count(count: int) -> None:
    """Refuse a file with more questions than ``MAX_IMPORT_QUESTIONS``, counted before parsing them."""
    limit = settings.MAX_IMPORT_QUESTIONS
    if count > limit:
        raise FormatError(
            _("文件中有 %(n)s 道题，超过上限 %(max)s 道；请拆分后分批导入。") % {"n": f"{count:,}", "max": f"{limit:,}"}
        )


def decode_text(data: bytes, result: ParseResult) -> str:
    """UTF-8 (with or without BOM); GB18030 as Windows Notepad saves Chinese, with a warning."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise FormatError(_("无法识别文件编码：请另存为 UTF-8 编码的文本文件。")) from None
    result.warn(_("文件不是 UTF-8 编码，已按 GB18030（GBK）读取，请核对预览中的文字。"))
    return text


# Moodle's list of valid grades (question_bank::fraction_options_full), as fractions.
_MOODLE_GRADES = [
    "1",
    "0.9",
    "0.8333333",
    "0.8",
    "0.75",
    "0.7",
    "0.6666667",
    "0.6",
    "0.5",
    "0.4",
    "0.3333333",
    "0.3",
    "0.25",
    "0.2",
    "0.1666667",
    "0.1428571",
    "0.125",
    "0.1111111",
    "0.1",
    "0.05",
    "0",
]
MOODLE_FRACTIONS = sorted({Decimal(g) for g in _MOODLE_GRADES} | {-Decimal(g) for g in _MOODLE_GRADES})
_GRADE_TOLERANCE = Decimal("0.00001")  # Moodle: abs(grade - value) < 0.00001


def match_moodle_fraction(fraction: Decimal) -> Decimal | None:
    """The valid Moodle grade this fraction is (33.33333% → 0.3333333), or None (33% is not one)."""
    for valid in MOODLE_FRACTIONS:
        if abs(valid - fraction) < _GRADE_TOLERANCE:
            return valid
    return None


def percent(fraction: Decimal) -> str:
    """0.3333333 → "33.33333" (how Moodle writes grades)."""
    value = (Decimal(fraction) * 100).quantize(Decimal("0.00001")).normalize()
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def normalise_multiple_fractions(draft: DraftQuestion, result: ParseResult, *, line: int | None, label: str) -> None:
    """Scale a multiple-answer question's positive fractions to total 100%, saying so.

    Moodle accepts a multiple-answer question whose right options add up to more
    (its own exports have each right option at 100%: any one of them earns full
    marks there) or to less than 100%; our rule is that all right options
    together earn full marks. Wrong options keep their (negative) fractions.
    """
    if draft.qtype != "multiple":
        return
    fractions = [Decimal(o.get("fraction", 0)) for o in draft.options]
    total = sum((f for f in fractions if f > 0), Decimal(0))
    if total <= 0 or abs(total - 1) <= _GRADE_TOLERANCE * len(fractions):
        return
    changes = []
    for index, (option, fraction) in enumerate(zip(draft.options, fractions, strict=True)):
        if fraction > 0:
            option["fraction"] = fraction / total
            changes.append(f"{chr(ord('A') + index)} {percent(fraction)}%→{percent(option['fraction'])}%")
    result.warn(
        _("多选题各正确选项的得分比例之和为 %(t)s%%，已按比例调整为合计 100%%（%(c)s），全部选对才得满分。")
        % {"t": percent(total), "c": "、".join(changes)},
        line=line,
        question=label,
    )
