"""完形填空题 (Moodle's "Embedded answers (Cloze)", ``qtype_multianswer``): blanks embedded in the stem.

A trainer writes each blank as Moodle's code, ``{weight:KIND:answers}``:

* ``{1:SHORTANSWER:=行政处罚#反馈~%50%处罚}`` (``SA``/``MW``; ``SHORTANSWER_C``/``SAC``/``MWC`` are
  case-sensitive): typed answers, tried in order, the first that matches gives its fraction; ``*`` is a
  wildcard (``\\*`` a real star). As everywhere on this platform, full-width and half-width forms are the
  same and whitespace does not count (``normalise_fill``); letter case counts only for the ``_C`` kinds.
* ``{2:NUMERICAL:=3.14:0.01}`` (``NM``): a number within the tolerance (``exams.qtypes.numbers``).
* ``{1:MULTICHOICE:=甲~乙~%50%丙}`` (``MC``): a drop-down menu; ``_V``/``_H`` (``MCV``/``MCH``) as
  radio buttons; the ``_S`` kinds (``MCS``, ``MCVS``, ``MCHS``) shuffle the choices on every paper.
  A blank earns the chosen choice's fraction (several may be right, some partly).
* ``MULTIRESPONSE`` (``MR``…, tick several) is refused, naming the blank.

``=`` is 100%, ``%50%`` 50%, no mark 0%; ``#…`` is an answer's feedback (not kept); ``\\}``, ``\\~``,
``\\#`` escape those characters. The weight (default 1) is how much the blank counts.

Stored as Moodle stores it: the stem with each code replaced by ``{#n}``; blank ``n`` is a part option
in group 0 — ``P<n>.t`` (typed: ``kind`` "shortanswer"/"numerical", ``answers``, ``case``) or
``P<n>.<n>`` (choice: ``kind`` "multichoice", ``widget`` select/radio) — with its ``weight`` and its
``moodle`` kind (written back as such); a choice blank's choices are options ``C<n>.<m>`` in group
``n`` with their ``fraction`` (``shuffle`` "always" for the ``_S`` kinds, else "never").

Grading is Moodle's: the blanks' fractions weighted by their weights, over the total weight (partial
credit), or full marks only when every blank is fully right (all-or-nothing).

The bank editor's 答案设置 holds one code per line, ``{#1}：{1:SHORTANSWER:=…}``, and the stem holds
the placeholders ``{#1}``, ``{#2}``… where the blanks go. Excel and Moodle XML keep the codes inline
in the stem, as Moodle does.
"""

from __future__ import annotations

import html as html_lib
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import normalise_fill, option_fraction
from exams.qtypes.choice import add_error, fraction_str
from exams.qtypes.numbers import as_decimal, numeric_fraction
from exams.qtypes.parts import PartsType, part_group

#: One embedded code: ``{weight:KIND:answers}`` (answers may hold ``\\}``), or a code without answers.
CLOZE_RE = re.compile(r"\{(\d*):([A-Z_]+):((?:\\.|[^}\\])*)\}|\{(\d*):([A-Z_]+)\}")
PLACEHOLDER_RE = re.compile(r"\{#(\d+)\}")
MAX_BLANKS = 100
MAX_CHOICES = 50
MAX_WEIGHT = 100

#: Moodle's kinds, short forms → the long name (``qtype_multianswer``'s ANSWER_TYPE_DEF_REGEX).
KINDS = {
    "SHORTANSWER": "SHORTANSWER",
    "SA": "SHORTANSWER",
    "MW": "SHORTANSWER",
    "SHORTANSWER_C": "SHORTANSWER_C",
    "SAC": "SHORTANSWER_C",
    "MWC": "SHORTANSWER_C",
    "NUMERICAL": "NUMERICAL",
    "NM": "NUMERICAL",
    "MULTICHOICE": "MULTICHOICE",
    "MC": "MULTICHOICE",
    "MULTICHOICE_V": "MULTICHOICE_V",
    "MCV": "MULTICHOICE_V",
    "MULTICHOICE_H": "MULTICHOICE_H",
    "MCH": "MULTICHOICE_H",
    "MULTICHOICE_S": "MULTICHOICE_S",
    "MCS": "MULTICHOICE_S",
    "MULTICHOICE_VS": "MULTICHOICE_VS",
    "MCVS": "MULTICHOICE_VS",
    "MULTICHOICE_HS": "MULTICHOICE_HS",
    "MCHS": "MULTICHOICE_HS",
    "MULTIRESPONSE": "MULTIRESPONSE",
    "MR": "MULTIRESPONSE",
    "MULTIRESPONSE_H": "MULTIRESPONSE_H",
    "MRH": "MULTIRESPONSE_H",
    "MULTIRESPONSE_S": "MULTIRESPONSE_S",
    "MRS": "MULTIRESPONSE_S",
    "MULTIRESPONSE_HS": "MULTIRESPONSE_HS",
    "MRHS": "MULTIRESPONSE_HS",
}
CHOICE_KINDS = {k for k, v in KINDS.items() if v.startswith(("MULTICHOICE", "MULTIRESPONSE"))}
NUMERIC_KINDS = {"NUMERICAL", "NM"}
TEXT_KINDS = {k for k, v in KINDS.items() if v.startswith("SHORTANSWER")}
_FRACTION_RE = re.compile(r"^%(-?\d+(?:[.,]\d*)?)%")
_NUMBER_RE = re.compile(r"^-?(\d+[.,]?\d*|[.,]\d+)([eE][-+]?\d+)?$")
_UNESCAPE_RE = re.compile(r"\\([}~#/\"\\])")


@dataclass
class Blank:
    """One embedded code, read: its weight, its kind (Moodle's long name) and its answers."""

    weight: int
    kind: str
    answers: list[tuple[Decimal, str, str]]  # fraction, text, feedback


def code_answers(body: str) -> list[tuple[Decimal, str, str]]:
    """A code's answers ``=甲#好~%50%乙`` → [(1, "甲", "好"), (0.5, "乙", "")] (Moodle's escapes undone, ``\\*`` kept)."""
    answers = []
    for part in re.split(r"(?<!\\)~", body):
        part = part.strip()
        if not part:
            continue
        fraction = Decimal(0)
        if part.startswith("="):
            fraction, part = Decimal(1), part[1:]
        else:
            mark = _FRACTION_RE.match(part)
            if mark:
                fraction, part = Decimal(mark.group(1).replace(",", ".")) / 100, part[mark.end() :]
        pieces = re.split(r"(?<!\\)#", part, maxsplit=1)
        text, feedback = pieces[0], (pieces[1] if len(pieces) > 1 else "")
        answers.append((fraction, _UNESCAPE_RE.sub(r"\1", text).strip(), feedback.strip()))
    return answers


def code_problem(match: re.Match) -> str | None:
    """What Moodle would refuse in one code (a ``CLOZE_RE`` match), or ``None``."""
    kind = match.group(2) or match.group(5)
    answers = code_answers(match.group(3) or "")
    if kind not in KINDS:
        return _("未知的子问题类型 %(k)s。") % {"k": kind}
    if kind in CHOICE_KINDS and len(answers) < 2:
        return _("选择类子问题至少需要 2 个选项。")
    if not answers:
        return _("没有答案。")
    if kind in NUMERIC_KINDS and any(not _numeric_ok(a) for _f, a, _fb in answers):
        return _("数值子问题的答案必须是数字（如 -1.234、3e8）或 *。")
    if max(f for f, _a, _fb in answers) < 1:
        return _("没有得分为 100% 的答案，无法得满分。")
    return None


def _numeric_ok(text: str) -> bool:
    if text.strip() == "*":
        return True
    value, _sep, tolerance = text.partition(":")
    return bool(_NUMBER_RE.match(value.strip())) and (not _sep or bool(_NUMBER_RE.match(tolerance.strip())))


def read_code(code: str, number: int) -> Blank:
    """One code → a ``Blank``; ``ValueError`` naming the blank (第 n 空) for anything this platform cannot hold."""
    where = _("第 %(n)s 空 %(code)s") % {"n": number, "code": code}
    match = CLOZE_RE.fullmatch(code.strip())
    if match is None:
        raise ValueError(
            _(
                "%(w)s：不是嵌入式答案代码，应形如 {1:SHORTANSWER:=答案}、{1:NUMERICAL:=3.14:0.01} 或 {1:MULTICHOICE:=甲~乙}。"
            )
            % {"w": where}
        )
    problem = code_problem(match)
    if problem:
        raise ValueError(f"{where}：{problem}")
    kind = KINDS[match.group(2) or match.group(5)]
    if kind.startswith("MULTIRESPONSE"):
        raise ValueError(
            _("%(w)s：多选子问题（MULTIRESPONSE）本平台不支持，请改为单选（MULTICHOICE）或拆成一道多选题。")
            % {"w": where}
        )
    weight = int(match.group(1) or match.group(4) or 0) or 1  # Moodle: an empty or zero weight is 1
    if weight > MAX_WEIGHT:
        raise ValueError(_("%(w)s：权重不能超过 %(m)s。") % {"w": where, "m": MAX_WEIGHT})
    answers = code_answers(match.group(3) or "")
    for fraction, text, _fb in answers:
        if not -1 <= fraction <= 1:
            raise ValueError(_("%(w)s：答案“%(a)s”的得分比例应在 -100%% 到 100%% 之间。") % {"w": where, "a": text})
        if not text:
            raise ValueError(_("%(w)s：有空的答案。") % {"w": where})
    if kind.startswith("MULTICHOICE"):
        if len(answers) > MAX_CHOICES:
            raise ValueError(_("%(w)s：选项不能超过 %(m)s 个。") % {"w": where, "m": MAX_CHOICES})
        texts = [t for _f, t, _fb in answers]
        duplicates = sorted({t for t in texts if texts.count(t) > 1})
        if duplicates:
            raise ValueError(_("%(w)s：选项重复：%(t)s。") % {"w": where, "t": "、".join(duplicates)})
    return Blank(weight, kind, answers)


# --- stored shape ↔ codes --------------------------------------------------------------


def _escape(text: str) -> str:
    return re.sub(r"([}~#])", r"\\\1", text)


def _mark(fraction: Decimal) -> str:
    if fraction == 1:
        return "="
    if fraction == 0:
        return ""
    return f"%{fraction_str(fraction * 100)}%"


def blank_options(number: int, blank: Blank) -> list[dict]:
    """The stored options of blank ``number``: its part, then (choice blanks) its choices."""
    part = {"group": 0, "shuffle": "never", "weight": blank.weight, "moodle": blank.kind}
    if blank.kind == "NUMERICAL":
        answers = []
        for fraction, text, _fb in blank.answers:
            value, _sep, tolerance = text.partition(":")
            answers.append(
                {
                    "value": "*" if value.strip() == "*" else _number_str(value),
                    "tolerance": _number_str(tolerance) if tolerance.strip() else "0",
                    "fraction": fraction_str(fraction),
                }
            )
        return [{"key": f"P{number}.t", "kind": "numerical", "answers": answers, **part}]
    if blank.kind.startswith("SHORTANSWER"):
        answers = [{"text": text, "fraction": fraction_str(fraction)} for fraction, text, _fb in blank.answers]
        return [
            {"key": f"P{number}.t", "kind": "shortanswer", "case": blank.kind == "SHORTANSWER_C", "answers": answers}
            | part
        ]
    widget = "select" if blank.kind in ("MULTICHOICE", "MULTICHOICE_S") else "radio"
    shuffle = "always" if blank.kind.endswith("S") else "never"
    options = [{"key": f"P{number}.{number}", "kind": "multichoice", "widget": widget, **part}]
    for index, (fraction, text, _fb) in enumerate(blank.answers, start=1):
        options.append(
            {
                "key": f"C{number}.{index}",
                "group": number,
                "shuffle": shuffle,
                "text": html_lib.unescape(text),
                "fraction": fraction_str(fraction),
            }
        )
    return options


def _number_str(text: str) -> str:
    value = as_decimal(unicodedata.normalize("NFKC", text).strip().replace(",", "."))
    return format(value.normalize(), "f") if value is not None else text.strip()


def blank_codes(options: list[dict]) -> list[str]:
    """The stored options → one Moodle code per blank, in blank order."""
    choices: dict[str, list[dict]] = {}
    for option in options:
        key = option.get("key", "")
        if key.startswith("C"):
            choices.setdefault(key[1:].split(".", 1)[0], []).append(option)
    codes = []
    for option in options:
        group = part_group(option.get("key", ""))
        if group is None:
            continue
        weight = int(option.get("weight") or 1)
        kind = option.get("moodle") or ""
        if group == "t" and option.get("kind") == "numerical":
            kind = kind or "NUMERICAL"
            body = "~".join(
                _mark(option_fraction(a))
                + (a.get("value", "") if a.get("value") == "*" else f"{a.get('value', '')}:{a.get('tolerance', '0')}")
                for a in option.get("answers", [])
            )
        elif group == "t":
            kind = kind or ("SHORTANSWER_C" if option.get("case") else "SHORTANSWER")
            body = "~".join(_mark(option_fraction(a)) + _escape(a.get("text", "")) for a in option.get("answers", []))
        else:
            kind = kind or ("MULTICHOICE" if option.get("widget", "select") == "select" else "MULTICHOICE_V")
            body = "~".join(_mark(option_fraction(c)) + _escape(c.get("text", "")) for c in choices.get(group, []))
        codes.append(f"{{{weight}:{kind}:{body}}}")
    return codes


def stem_with_codes(stem: str, options: list[dict]) -> str:
    """The stored stem with its ``{#n}`` placeholders replaced by the blanks' codes (Moodle XML, Excel)."""
    codes = blank_codes(options)

    def replace(match):
        n = int(match.group(1))
        return html_lib.escape(codes[n - 1], quote=False) if 1 <= n <= len(codes) else match.group(0)

    return PLACEHOLDER_RE.sub(replace, stem or "")


def split_stem(stem: str) -> tuple[str, list[str]]:
    """A stem with codes inline → the stem with ``{#n}`` placeholders, and the codes in order."""
    codes: list[str] = []

    def replace(match):
        codes.append(html_lib.unescape(match.group(0)))
        return f"{{#{len(codes)}}}"

    return CLOZE_RE.sub(replace, stem or ""), codes


# --- matching typed answers ----------------------------------------------------------------


def _fold(text: str, case: bool) -> str:
    text = unicodedata.normalize("NFKC", str(text))
    return re.sub(r"\s+", "", text) if case else normalise_fill(text)


def text_matches(given: str, pattern: str, *, case: bool) -> bool:
    """Moodle's short-answer match: whole answer, ``*`` any characters (``\\*`` a star), our 全角/半角 and
    whitespace tolerance, letter case only when ``case``."""
    pieces = [p.replace("\\*", "*") for p in re.split(r"(?<!\\)\*", pattern)]
    regex = ".*".join(re.escape(_fold(p, case)) for p in pieces)
    return re.fullmatch(regex, _fold(given, case), flags=re.DOTALL) is not None


@register
class Cloze(PartsType):
    name = "cloze"
    label = gettext_lazy("完形填空题")
    moodle_names = ("cloze", "multianswer")
    gift = False
    aliases = ("完形填空题", "完形填空", "综合填空题")
    xlsx_guide = (
        "题干中直接写 Moodle 嵌入式答案代码，如“行政处罚由{1:SHORTANSWER:=县级以上}人民政府……罚款{1:NUMERICAL:=15:0}日”；"
        "选项列和答案列留空。"
    )
    editor_fields = ("spec",)
    editor_help = gettext_lazy(
        "题干中在每个空的位置写 {#1}、{#2}……；答案设置每行写一个空的 Moodle 嵌入式答案代码，按空的顺序：\n"
        "{#1}：{1:SHORTANSWER:=行政处罚~%50%处罚}\n"
        "{#2}：{2:NUMERICAL:=15:0}\n"
        "{#3}：{1:MULTICHOICE:=县级以上~乡镇~街道}\n"
        "代码开头的数字是该空的权重（默认 1）；= 表示满分答案，%50% 表示得一半分，不写为 0 分；# 后是反馈（不保存）。\n"
        "SHORTANSWER（SA）填写文字，* 可代表任意文字，不区分大小写、全角半角和空格（SHORTANSWER_C 区分大小写）；"
        "NUMERICAL（NM）填写数字，冒号后是允许误差；MULTICHOICE（MC）为下拉选择，MULTICHOICE_V / _H 为单选按钮，"
        "加 S（如 MCS）表示每次打乱选项。多选子问题（MULTIRESPONSE）不支持。"
    )

    # --- authoring -------------------------------------------------------------------

    def normalise(self, *, stem, options, accepted, data):
        """Raw options are ``{"code": "{1:SA:=…}"}`` per blank (or stored options, read back as codes)."""
        if any("key" in o for o in options):
            codes = blank_codes(options)
        else:
            codes = [str(o.get("code", "")) for o in options]
        if len(codes) > MAX_BLANKS:
            raise ValueError(_("空不能超过 %(m)s 个。") % {"m": MAX_BLANKS})
        parts, choices = [], []
        for number, code in enumerate(codes, start=1):
            for option in blank_options(number, read_code(code, number)):
                (parts if part_group(option["key"]) is not None else choices).append(option)
        return parts + choices, [], {}

    def validate(self, *, stem, options, accepted, data, errors):
        count = sum(1 for o in options if part_group(o["key"]) is not None)
        if not count:
            add_error(errors, "options", _("完形填空题至少需要一个空。"))
        inline = [m.group(0) for m in CLOZE_RE.finditer(stem or "")]
        if inline:
            add_error(
                errors,
                "stem",
                _("题干中的 %(c)s 是嵌入式答案代码：请把它写在答案设置中，题干中改为占位 {#1}、{#2}……")
                % {"c": html_lib.unescape(inline[0])},
            )
        placed = [int(n) for n in PLACEHOLDER_RE.findall(stem or "")]
        for number in range(1, count + 1):
            if placed.count(number) == 0:
                add_error(errors, "stem", _("题干中缺少第 %(n)s 空的占位 {#%(n)s}。") % {"n": number})
            elif placed.count(number) > 1:
                add_error(errors, "stem", _("题干中第 %(n)s 空的占位 {#%(n)s} 出现了不止一次。") % {"n": number})
        for number in sorted({n for n in placed if not 1 <= n <= count}):
            add_error(
                errors, "stem", _("题干中的 {#%(n)s} 没有对应的答案设置（共 %(c)s 空）。") % {"n": number, "c": count}
            )

    def editor_text(self, *, stem, options, accepted, data) -> str:
        return "\n".join(f"{{#{n}}}：{code}" for n, code in enumerate(blank_codes(options), start=1))

    def parse_editor(self, text):
        options = []
        for line_number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            expected = len(options) + 1
            prefix = re.match(r"^\{#(\d+)\}\s*[:：=]?\s*", line)
            if prefix:
                if int(prefix.group(1)) != expected:
                    raise ValueError(
                        _("第 %(l)s 行：应是第 %(n)s 空 {#%(n)s} 的代码，现为 {#%(m)s}（每行一个空，按顺序）。")
                        % {"l": line_number, "n": expected, "m": prefix.group(1)}
                    )
                line = line[prefix.end() :]
            try:
                read_code(line, expected)
            except ValueError as exc:
                raise ValueError(_("第 %(l)s 行：%(e)s") % {"l": line_number, "e": exc}) from None
            options.append({"code": line})
        if not options:
            raise ValueError(_("答案设置为空：每行写一个空的代码，如 {#1}：{1:SHORTANSWER:=答案}。"))
        return options, [], {}

    # --- the page -----------------------------------------------------------------------

    def learner_stem(self, stem: str) -> str:
        return PLACEHOLDER_RE.sub(lambda m: f'<span class="gap">（{int(m.group(1))}）</span>', stem or "")

    def build_page(self, page, *, option_order, options, response) -> None:
        super().build_page(page, option_order=option_order, options=options, response=response)
        page.stem = self.learner_stem(page.stem)

    def correct_text(self, part_option, by_key):
        group = part_group(part_option.get("key", ""))
        if group == "t":
            best = [a for a in part_option.get("answers", []) if option_fraction(a) >= 1]
            if part_option.get("kind") == "numerical":
                return " / ".join(
                    a.get("value", "") + (f" ± {a['tolerance']}" if as_decimal(a.get("tolerance")) else "")
                    for a in best
                )
            return " / ".join(a.get("text", "").replace("\\*", "*") for a in best)
        prefix = f"C{group}."
        return " / ".join(
            o.get("text", "") for k, o in by_key.items() if k.startswith(prefix) and option_fraction(o) >= 1
        )

    # --- grading ----------------------------------------------------------------------

    def part_fraction(self, part_option, value, by_key) -> Decimal:
        if value is None or value == "":
            return Decimal(0)
        group = part_group(part_option.get("key", ""))
        if group != "t":
            choice = by_key.get(value) if isinstance(value, str) and value.startswith(f"C{group}.") else None
            return option_fraction(choice) if choice else Decimal(0)
        if part_option.get("kind") == "numerical":
            return numeric_fraction(str(value), part_option.get("answers", []))
        for answer in part_option.get("answers", []):
            if text_matches(str(value), answer.get("text", ""), case=bool(part_option.get("case"))):
                return option_fraction(answer)
        return Decimal(0)

    # --- Excel: the codes inline in the stem, 答案 empty ------------------------------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, COL_STEM

        if answer:
            error(COL_ANSWER, _("完形填空题的答案写在题干的嵌入式代码中（如 {1:SHORTANSWER:=答案}），答案列应留空。"))
            return False
        stem, codes = split_stem(draft.stem)
        if not codes:
            error(COL_STEM, _("完形填空题的题干中没有嵌入式答案代码（如 {1:SHORTANSWER:=答案}）。"))
            return False
        for number, code in enumerate(codes, start=1):
            try:
                read_code(code, number)
            except ValueError as exc:
                error(COL_STEM, str(exc))
                return False
        draft.stem = stem
        draft.options = [{"code": code} for code in codes]
        return True

    def write_xlsx(self, version):
        return [], ""

    def export_stem(self, version) -> str:
        return stem_with_codes(version.stem, version.options)

    # --- Moodle XML -------------------------------------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        stem, codes = split_stem(draft.stem)
        ok = True
        lost_feedback = False
        for number, code in enumerate(codes, start=1):
            try:
                blank = read_code(code, number)
            except ValueError as exc:
                ctx.error(str(exc), line=element.line)
                ok = False
                continue
            lost_feedback = lost_feedback or any(fb for _f, _t, fb in blank.answers)
            draft.options.append({"code": code})
        if not codes:
            ctx.error(_("完形填空题的题干中没有任何嵌入的子问题（如 {1:MULTICHOICE:=甲~乙}）。"), line=element.line)
            return False
        if lost_feedback:
            ctx.warn(_("各空答案的反馈（# 后的文字）无法保留，已忽略。"), line=element.line)
        draft.stem = stem
        return ok

    def write_moodle(self, node, version, ctx) -> None:
        text = node.find("questiontext/text")
        if text is not None and text.text:
            text.text = stem_with_codes(text.text, version.options)
