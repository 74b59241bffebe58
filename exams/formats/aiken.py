"""Aiken (https://docs.moodle.org/en/Aiken_format): single-choice questions, import only.

::

    行政处罚的种类不包括：
    A) 警告
    B. 罚款
    C)没收违法所得
    ANSWER: C

A question is its stem line(s), options ``A)`` / ``A.`` (the space after the
mark may be missing), then ``ANSWER: X``. Blank lines are ignored. As in Moodle,
a line that is not an option after the options have begun starts a new question,
so the unfinished one is an error; text is plain (``<`` and ``&`` stay literal).
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from exams.formats.base import (
    DraftQuestion,
    FormatError,
    ParseResult,
    check_question_count,
    decode_text,
    question_label,
)
from exams.models import QuestionType
from exams.richtext import plain_to_html

OPTION_RE = re.compile(r"^([A-Z])[).．）][ \t]*(.*)$")
ANSWER_RE = re.compile(r"^ANSWER\s*[:：]")
ANSWER_VALUE_RE = re.compile(r"^ANSWER\s*[:：]\s*([A-Z])\s*$")


class _Open:
    def __init__(self, line: int, text: str):
        self.line = line
        self.stem = [text]
        self.options: list[tuple[int, str, str]] = []


def _count(text: str) -> int:
    return sum(1 for line in text.splitlines() if ANSWER_RE.match(line.strip()))


def count_questions(data: bytes) -> int | None:
    """How many questions the file holds, without reading them (``None``: its encoding cannot be read)."""
    try:
        return _count(decode_text(data, ParseResult()))
    except FormatError:
        return None


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    text = decode_text(data, result)
    check_question_count(_count(text))
    current: _Open | None = None
    number = 0
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        option = OPTION_RE.match(line)
        if ANSWER_RE.match(line):
            if current is None:
                result.error(_("ANSWER 行前面没有题目（题干和选项）。"), line=line_no)
                continue
            number += 1
            _finish(current, line, line_no, number, result)
            current = None
        elif option:
            if current is None:
                result.error(_("选项“%(o)s”前面没有题干：题目尚未开始。") % {"o": line[:30]}, line=line_no)
                continue
            current.options.append((line_no, option.group(1), option.group(2).strip()))
        elif current is not None and current.options:
            number += 1
            label = question_label(number, "", plain_to_html(" ".join(current.stem)))
            result.error(_("题目缺少 ANSWER 行：下一题已在此行开始。"), line=line_no, question=label)
            current = _Open(line_no, line)
        elif current is not None:
            current.stem.append(line)
        else:
            current = _Open(line_no, line)
    if current is not None:
        number += 1
        label = question_label(number, "", plain_to_html(" ".join(current.stem)))
        result.error(_("文件结束时题目还没有 ANSWER 行。"), line=current.line, question=label)
    if number == 0 and not result.issues:
        result.error(_("文件中没有题目。"))
    return result


def _finish(question: _Open, answer_line: str, line_no: int, number: int, result: ParseResult) -> None:
    stem = "\n".join(question.stem)
    label = question_label(number, "", plain_to_html(stem))
    ok = True
    if len(question.options) < 2:
        result.error(
            _("题目至少需要两个选项，现有 %(n)s 个。") % {"n": len(question.options)}, line=line_no, question=label
        )
        ok = False
    letters = [letter for _l, letter, _t in question.options]
    expected = [chr(ord("A") + i) for i in range(len(letters))]
    if ok and letters != expected:
        result.error(
            _("选项字母应依次为 %(e)s，实际为 %(a)s。") % {"e": "、".join(expected), "a": "、".join(letters)},
            line=question.options[0][0],
            question=label,
        )
        ok = False
    match = ANSWER_VALUE_RE.match(answer_line)
    if not match:
        result.error(_("ANSWER 行格式不正确，应为“ANSWER: 字母”。"), line=line_no, question=label)
        ok = False
    elif match.group(1) not in letters:
        result.error(_("答案 %(a)s 不是本题的选项。") % {"a": match.group(1)}, line=line_no, question=label)
        ok = False
    if not ok:
        return
    result.questions.append(
        DraftQuestion(
            qtype=QuestionType.SINGLE,
            stem=plain_to_html(stem),
            number=number,
            line=question.line,
            options=[{"text": text, "correct": letter == match.group(1)} for _l, letter, text in question.options],
        )
    )
