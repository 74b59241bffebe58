"""GIFT (https://docs.moodle.org/en/GIFT_format): import and export, following Moodle's parser.

Questions are separated by blank lines; ``//`` lines are comments; ``$CATEGORY:``
switches category; ``::title::``; answers in ``{…}`` (text after the closing
brace makes a "missing word" stem with ``_____``); ``=`` right, ``~`` wrong,
``~%50%`` weights, ``#`` feedback, ``####`` general feedback; ``{T}``/``{FALSE}``;
``{=a =b}`` short answer; ``{}`` essay; ``{=a -> b = -> c}`` matching; ``{#…}`` numerical
(``#3.14:0.01``, ranges ``#1..5``, several ``=`` answers with ``%50%`` weights; units, which GIFT
lacks, travel in our ``[units:m=1,cm=100]`` comment);
``[html]``/``[moodle]``/``[plain]``/``[markdown]`` text formats; escapes
``\\: \\~ \\= \\# \\{ \\} \\n``. As in Moodle, lines keep their indentation
(a ``<pre>`` block in an ``[html]`` stem stays as written).

Comments may carry Moodle 4's ``[id:…]`` and ``[tag:…]``; our export adds
``[points:…]`` and ``[difficulty:…]`` the same way (Moodle ignores them), because
GIFT itself has no points: without them every question imports worth 1 point;
and ``[shuffle:false]`` for a matching question whose items keep their order.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils.translation import gettext as _

from exams import qtypes
from exams.formats.base import (
    DraftQuestion,
    FormatError,
    ParseResult,
    check_question_count,
    decode_text,
    match_moodle_fraction,
    normalise_multiple_fractions,
    percent,
    question_label,
)
from exams.formats.moodle_xml import category_parts
from exams.models import Difficulty, QuestionType
from exams.richtext import (
    auto_to_html,
    html_to_text,
    html_to_text_exact,
    is_plain_html,
    looks_like_html,
    lost_markup,
    plain_to_html,
    sanitize_html,
)

# Escaped control characters become private-use placeholders while parsing (as Moodle does).
_ESCAPES = {":": "\ue001", "#": "\ue002", "=": "\ue003", "{": "\ue004", "}": "\ue005", "~": "\ue006"}
_BACKSLASH = "\ue007"
_NEWLINE = "\ue008"
_WEIGHT_RE = re.compile(r"^%(-?\d+(?:\.\d*)?)%")
_META_RE = re.compile(r"\[(id|tag|points|difficulty|units|shuffle):((?:\\.|[^\]\\])+)\]")
_FORMAT_RE = re.compile(r"^\[(html|moodle|plain|markdown)\]")


def _escape_pre(text: str) -> str:
    text = text.replace("\\\\", _BACKSLASH)
    for char, placeholder in _ESCAPES.items():
        text = text.replace("\\" + char, placeholder)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def _escape_post(text: str) -> str:
    for char, placeholder in _ESCAPES.items():
        text = text.replace(placeholder, char)
    return text.replace(_NEWLINE, "\n")


def _with_format(text: str, default: str = "moodle") -> tuple[str, str]:
    text = text.strip()
    match = _FORMAT_RE.match(text)
    if match:
        return _escape_post(text[match.end() :]).strip(), match.group(1)
    return _escape_post(text).strip(), default


def _to_html(text: str, fmt: str, result: ParseResult, line: int, label: str) -> str:
    if fmt == "html":
        return sanitize_html(text)
    if fmt == "plain":
        return plain_to_html(text)
    if fmt == "markdown":
        result.warn(_("Markdown 格式的文字按纯文本导入。"), line=line, question=label)
        return plain_to_html(text)
    return auto_to_html(text)


def _to_plain(text: str, fmt: str) -> str:
    """Option texts are plain: HTML (and Moodle auto-format with tags) loses its markup."""
    if fmt == "html" or (fmt == "moodle" and looks_like_html(text)):
        return html_to_text(text)
    return text.strip()


def _blocks(text: str):
    """Yield (first line number, code lines, comment lines) per blank-line-separated block."""
    code: list[str] = []
    comments: list[str] = []
    start = None
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            if code or comments:
                yield start, code, comments
            code, comments, start = [], [], None
            continue
        if line.startswith("//"):
            comments.append(line)
            continue
        if start is None:
            start = number
        code.append(raw.rstrip())  # Moodle keeps a line's indentation (<pre> in an [html] stem)
    if code or comments:
        yield start, code, comments


def _meta(comments: list[str]) -> dict:
    meta: dict = {"tags": []}
    for comment in comments:
        for key, value in _META_RE.findall(comment):
            value = re.sub(r"\\(.)", r"\1", value).strip()
            if key == "tag":
                meta["tags"].append(value)
            else:
                meta[key] = value
    return meta


def _count(text: str) -> int:
    return sum(1 for _l, code, _c in _blocks(text) if code and not code[0].startswith("$CATEGORY:"))


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
    category: list[str] = []
    number = 0
    for line, code, comments in _blocks(text):
        if not code:
            continue
        body = _escape_pre("\n".join(code)).strip()
        if body.startswith("$CATEGORY:"):
            category = category_parts(_escape_post(body[len("$CATEGORY:") :]).strip())
            continue
        number += 1
        _read_question(body, line, number, category, _meta(comments), result)
    if number == 0 and not any(i.level == "error" for i in result.issues):
        result.error(_("文件中没有题目。"))
    return result


def _read_question(body: str, line: int, number: int, category, meta: dict, result: ParseResult) -> None:
    name = ""
    if body.startswith("::"):
        end = body.find("::", 2)
        if end != -1:
            name = _escape_post(body[2:end]).strip()
            body = body[end + 2 :].strip()
    start, finish = body.find("{"), body.find("}")
    label = question_label(number, name, _escape_post(body[: start if start != -1 else None]))
    if start == -1 and finish == -1:
        result.warn(_("没有答案部分的文字（说明）不是题目，未导入。"), line=line, question=label)
        return
    if start == -1 or finish == -1 or finish < start:
        result.error(
            _("花括号不配对：答案部分应写在 { 和 } 之间（题目中的花括号请写成 \\{ 和 \\}）。"),
            line=line,
            question=label,
        )
        return
    answer_text = body[start + 1 : finish].strip()
    if body.endswith("}") and finish == len(body) - 1:
        stem_text = body[:start]
    else:
        stem_text = body[:start] + "_____" + body[finish + 1 :]
    general = ""
    separator = answer_text.rfind("####")
    if separator != -1:
        general = answer_text[separator + 4 :]
        answer_text = answer_text[:separator].strip()
    stem_plain, stem_format = _with_format(stem_text)
    feedback_plain, feedback_format = _with_format(general, stem_format)
    draft = DraftQuestion(
        qtype=QuestionType.SINGLE,
        stem=_to_html(stem_plain, stem_format, result, line, label),
        number=number,
        line=line,
        name=name,
        explanation=_to_html(feedback_plain, feedback_format, result, line, label) if feedback_plain else "",
        idnumber=meta.get("id", ""),
        tags=meta["tags"],
        category=list(category),
    )
    if not _apply_meta(draft, meta, result, line, label):
        return
    if answer_text == "":
        draft.qtype = QuestionType.SHORT
        result.questions.append(draft)
        return
    if finish != len(body) - 1:
        draft.form = "missing_word"
    if answer_text.startswith("#"):
        data = _numerical(answer_text[1:], result, line, label)
        if data is not None and _numerical_units(data, meta, result, line, label):
            draft.qtype = QuestionType.NUMERICAL
            draft.data = data
            result.questions.append(draft)
        return
    if "~" in answer_text:
        ok = _read_multichoice(answer_text, draft, stem_format, result, line, label)
    elif "=" in answer_text and "->" in answer_text:
        ok = _read_matching(answer_text, draft, stem_format, result, line, label)
        if meta.get("shuffle") == "false":  # our export's comment: the items keep their order
            draft.data["shuffle"] = False
    else:
        check = answer_text.split("#", 1)[0].strip() if "#" in answer_text[1:] else answer_text
        if check in ("T", "TRUE", "F", "FALSE"):
            ok = _read_truefalse(answer_text, draft, result, line, label)
        else:
            ok = _read_shortanswer(answer_text, draft, stem_format, result, line, label)
    if ok:
        result.questions.append(draft)


def _numerical(answer_text: str, result: ParseResult, line: int, label: str) -> dict | None:
    """Moodle's numerical answers: ``=%50%3.1:0.1``, ranges ``1..5`` (middle ± half), ``*`` any number;
    ``~`` starts the wrong-answer feedback (Moodle stores it on a ``*`` answer worth 0, which changes no score)."""
    wrong = answer_text.find("~")
    if wrong != -1:
        if _escape_post(answer_text[wrong + 1 :]).strip().lstrip("#").strip():
            result.warn(_("答错时的反馈（~ 之后的文字）无法保留，已忽略。"), line=line, question=label)
        answer_text = answer_text[:wrong]
    answers = [a.strip() for a in answer_text.split("=")]
    if answers and not answers[0]:
        answers.pop(0)
    if not answers:
        result.error(_("数值题没有答案。"), line=line, question=label)
        return None
    parsed = []
    for answer in answers:
        fraction, answer = _weight(answer, result, line, label)
        fraction = Decimal(1) if fraction is None else fraction
        if not fraction.is_finite():
            return None
        value = _escape_post(_split_feedback(answer, result, line, label)[0]).strip()
        try:
            if value == "*":
                parsed.append({"value": "*", "tolerance": "0", "fraction": fraction})
            elif ".." in value[1:]:
                low, high = (Decimal(v.strip()) for v in value.split("..", 1))
                middle = (low + high) / 2
                parsed.append({"value": str(middle), "tolerance": str(high - middle), "fraction": fraction})
            elif ":" in value[1:]:
                number, tolerance = value.split(":", 1)
                parsed.append(
                    {
                        "value": str(Decimal(number.strip())),
                        "tolerance": str(Decimal(tolerance.strip())),
                        "fraction": fraction,
                    }
                )
            else:
                parsed.append({"value": str(Decimal(value)), "tolerance": "0", "fraction": fraction})
        except ArithmeticError:
            result.error(_("数值题的答案“%(a)s”不是数字。") % {"a": value}, line=line, question=label)
            return None
    return {"answers": parsed}


def _numerical_units(data: dict, meta: dict, result: ParseResult, line: int, label: str) -> bool:
    """Our export's ``[units:m=1,cm=100]`` comment (GIFT itself has no units)."""
    if "units" not in meta:
        return True
    from exams.qtypes.numerical import parse_units

    try:
        data["units"] = parse_units(meta["units"], _("注释中的单位 [units:%(v)s]") % {"v": meta["units"]})
    except ValueError as exc:
        result.error(str(exc), line=line, question=label)
        return False
    return True


def _read_matching(answer_text, draft, stem_format, result, line, label) -> bool:
    """Moodle's matching: ``=item -> answer`` pairs, ``= -> answer`` an extra wrong answer (no feedback)."""
    draft.qtype = QuestionType.MATCHING
    answers = [a.strip() for a in answer_text.split("=")]
    if answers and not answers[0]:
        answers.pop(0)
    if len(answers) < 2:
        result.error(_("匹配题至少需要两项。"), line=line, question=label)
        return False
    for answer in answers:
        if "->" not in answer:
            result.error(_("匹配题的每一项应写成“=题目 -> 答案”。"), line=line, question=label)
            return False
        left, right = answer.split("->", 1)
        text, fmt = _with_format(left, stem_format)
        if fmt in ("html", "moodle") and lost_markup(text):
            result.warn(
                _("左项中的%(what)s无法保留，仅导入文字。") % {"what": "、".join(lost_markup(text))},
                line=line,
                question=label,
            )
        draft.options.append({"text": _to_plain(text, fmt), "answer": _escape_post(right).strip()})
    return True


def _apply_meta(draft: DraftQuestion, meta: dict, result: ParseResult, line: int, label: str) -> bool:
    if "points" in meta:
        try:
            draft.points = Decimal(meta["points"])
        except ArithmeticError:
            result.error(_("注释中的分值 [points:%(v)s] 不是数字。") % {"v": meta["points"]}, line=line, question=label)
            return False
    if "difficulty" in meta:
        if meta["difficulty"] not in Difficulty.values:
            result.error(
                _("注释中的难度 [difficulty:%(v)s] 无效。") % {"v": meta["difficulty"]}, line=line, question=label
            )
            return False
        draft.difficulty = meta["difficulty"]
    return True


def _split_feedback(answer: str, result: ParseResult, line: int, label: str, parts: int = 2) -> list[str]:
    bits = answer.split("#", parts - 1)
    if any(_escape_post(b).strip() for b in bits[1:]):
        result.warn(_("答案反馈（# 后的文字）无法保留，已忽略。"), line=line, question=label)
    return bits


def _weight(answer: str, result: ParseResult, line: int, label: str) -> tuple[Decimal | None, str]:
    match = _WEIGHT_RE.match(answer)
    if not match:
        return None, answer
    raw = match.group(1)
    valid = match_moodle_fraction(Decimal(raw) / 100)
    if valid is None:
        result.error(
            _("答案权重 %%%(v)s%% 不是 Moodle 允许的得分比例（如 100、50、33.33333、-100）。") % {"v": raw},
            line=line,
            question=label,
        )
        return Decimal("NaN"), answer[match.end() :]
    return valid, answer[match.end() :]


def _read_multichoice(answer_text, draft, stem_format, result, line, label) -> bool:
    draft.qtype = QuestionType.SINGLE if "=" in answer_text else QuestionType.MULTIPLE
    answers = answer_text.replace("=", "~=").split("~")
    answers = [a.strip() for a in answers]
    if answers and not answers[0]:
        answers.pop(0)
    if len(answers) < 2:
        result.error(_("选择题至少需要两个选项。"), line=line, question=label)
        return False
    ok = True
    for answer in answers:
        if answer.startswith("="):
            fraction, answer = Decimal(1), answer[1:]
        else:
            fraction, answer = _weight(answer, result, line, label)
            fraction = Decimal(0) if fraction is None else fraction
            ok = ok and fraction.is_finite()
        text, fmt = _with_format(_split_feedback(answer, result, line, label)[0], stem_format)
        draft.options.append({"text": _to_plain(text, fmt), "fraction": fraction if fraction.is_finite() else 0})
    if draft.qtype == QuestionType.SINGLE and any(Decimal(o["fraction"]) < 0 for o in draft.options):
        result.warn(_("单选题的负分选项按 0 分计（本平台单题得分不为负）。"), line=line, question=label)
    if ok:
        normalise_multiple_fractions(draft, result, line=line, label=label)
    return ok


def _read_truefalse(answer_text, draft, result, line, label) -> bool:
    bits = _split_feedback(answer_text, result, line, label, parts=3)
    correct = bits[0].strip() in ("T", "TRUE")
    draft.qtype = QuestionType.TRUEFALSE
    draft.options = [{"key": "T", "correct": correct}, {"key": "F", "correct": not correct}]
    return True


def _read_shortanswer(answer_text, draft, stem_format, result, line, label) -> bool:
    draft.qtype = QuestionType.FILL
    answers = [a.strip() for a in answer_text.split("=")]
    if answers and not answers[0]:
        answers.pop(0)
    if not answers:
        result.error(_("填空题至少需要一个答案。"), line=line, question=label)
        return False
    ok = True
    for answer in answers:
        fraction, answer = _weight(answer, result, line, label)
        fraction = Decimal(1) if fraction is None else fraction
        if not fraction.is_finite():
            ok = False
            continue
        text = _escape_post(_split_feedback(answer, result, line, label)[0]).strip()
        if fraction > 0 and "*" in text.replace("\\*", ""):
            result.warn(_("含通配符 * 的答案“%(a)s”无法表示，已忽略。") % {"a": text}, line=line, question=label)
        elif fraction < 1:
            if fraction > 0:
                result.warn(
                    _("部分得分的答案“%(a)s”（%(p)s%%）无法表示，已忽略（只保留满分答案）。")
                    % {"a": text, "p": percent(fraction)},
                    line=line,
                    question=label,
                )
        elif text:
            draft.accepted_answers.append(text.replace("\\*", "*"))
    return ok


# --- export ------------------------------------------------------------------------


def _repchar(text: str) -> str:
    """Moodle's repchar: escape the reserved characters, newlines as \\n."""
    for char in ("\\", "#", "=", "~", "{", "}", ":"):
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _meta_value(value: str) -> str:
    return value.replace("\\", "\\\\").replace("]", "\\]").replace("\n", " ")


def _rich(html: str) -> str:
    """Plain stems go out as plain GIFT text; anything with markup as [html]."""
    if is_plain_html(html):
        return "[plain]" + _repchar(html_to_text_exact(html)) if html else ""
    return "[html]" + _repchar(html)


class GiftWriter:
    """What a question type writes its GIFT answer block with (``QType.write_gift``)."""

    repchar = staticmethod(lambda text: _repchar(text))
    rich = staticmethod(lambda html: _rich(html))
    percent = staticmethod(lambda fraction: percent(fraction))


def export(questions, *, category_of, left_out: list[str] = ()) -> bytes:
    """GIFT for ``questions``; ``left_out`` names the questions GIFT cannot express, in comments at the top."""
    out: list[str] = []
    if left_out:
        out.append(
            "\n".join(
                [
                    "// "
                    + _("以下 %(n)s 道题的题型无法用 GIFT 表示，未导出（请改用 Moodle XML 或 Excel）：")
                    % {"n": len(left_out)}
                ]
                + [f"//   {label}" for label in left_out]
            )
            + "\n"
        )
    current = None
    for question in questions:
        path = category_of(question)
        if path != current:
            current = path
            out.append("$CATEGORY: $course$/top/" + "/".join(p.replace("/", "//") for p in path) + "\n")
        out.append(_export_question(question))
    return "\n".join(out).encode("utf-8")


def _export_question(question) -> str:
    version = question.current_version
    meta = [f"[points:{format(Decimal(version.points).normalize(), 'f')}]", f"[difficulty:{version.difficulty}]"]
    if question.idnumber:
        meta.insert(0, f"[id:{_meta_value(question.idnumber)}]")
    meta += [f"[tag:{_meta_value(t.name)}]" for t in question.tags.all()]
    lines = [f"// question: {question.pk}  name: {question.name}".rstrip(), "// " + " ".join(meta)]
    head = (f"::{_repchar(question.name)}::" if question.name else "") + _rich(version.stem)
    general = ("####" + _rich(version.explanation)) if version.explanation else ""
    lines += qtypes.get(question.type).write_gift(version, head=head, general=general, ctx=GiftWriter)
    return "\n".join(lines) + "\n"
