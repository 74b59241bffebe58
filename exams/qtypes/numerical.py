"""数值题 (Moodle's numerical): a typed number, checked against answers with tolerances, units optional.

Stored: no options; ``data = {"answers": [{"value": "3.14", "tolerance": "0.01", "fraction": "1"}, …],
"units": [{"name": "m", "multiplier": "1"}, {"name": "cm", "multiplier": "100"}]}``. As in Moodle the
answers are tried in order and the first the number falls within gives its fraction (``"*"`` takes any
number); a number written with a unit is divided by that unit's multiplier first, one without a unit
is read in the first unit (``exams.qtypes.numbers``).

The bank editor's 答案设置 (and the Excel 答案 cell, items separated by ``；``)::

    3.14 ± 0.01          one answer per line: value, ± tolerance (or 1..5 for a range)
    3 | 0.5 | 50%        or fields separated by |: a field ending in % is the fraction, another the tolerance
    单位：m = 1，cm = 100  units, the first one (multiplier 1) the one answers are written in
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import FRACTION_TOLERANCE, clamp
from exams.qtypes.choice import add_error, fraction_str
from exams.qtypes.numbers import MAX_EXPONENT, normalise_unit, numeric_fraction
from exams.qtypes.text import _Typed

MAX_ANSWERS = 20
MAX_UNITS = 20
MAX_UNIT_CHARS = 50  # Moodle's unit names are at most 50 characters
#: Characters a unit name cannot hold: the 答案设置 syntax uses them.
UNIT_FORBIDDEN = set("=,，、;；|[]:：")
_PLUS_MINUS_RE = re.compile(r"±|\+/-|\+-")
_UNITS_LINE_RE = re.compile(r"^单位\s*[:：]\s*(.*)$")
_UNIT_SPLIT_RE = re.compile(r"[,，、]")
_XLSX_SPLIT_RE = re.compile(r"[\n;；]+")


def _clean(value) -> str:
    """Raw text as stored: NFKC (全角→半角), the typographic minus as "-", trimmed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).replace("−", "-").strip()


def number(text: str) -> Decimal | None:
    """A stored value, tolerance or multiplier (plain decimal or 1e-3 notation), ``None`` when it is not one."""
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError, TypeError):
        return None
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
        return None
    return value


def number_text(value: Decimal) -> str:
    """Canonical text of a number: 3.140 → "3.14", 3e2 → "300", -0 → "0"."""
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def _fraction(value) -> Decimal | None:
    if value is None or value == "":
        return Decimal(1)
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    return number(_clean(value))


def _moodle_fraction(fraction: Decimal) -> Decimal | None:
    from exams.formats.base import match_moodle_fraction

    return match_moodle_fraction(fraction)


def percent_text(fraction) -> str:
    from exams.formats.base import percent

    return percent(Decimal(fraction))


def _is_full(answer: dict) -> bool:
    fraction = number(str(answer.get("fraction", "0")))
    return fraction is not None and fraction >= 1 - FRACTION_TOLERANCE


@register
class Numerical(_Typed):
    name = "numerical"
    label = gettext_lazy("数值题")
    max_chars = 100
    moodle_names = ("numerical",)
    gift = True
    xlsx = True
    xlsx_guide = (
        "如 3.14±0.01（误差为 0 时只写数值）；部分得分写成 3|0.5|50%（带 % 的是得分比例）；"
        "多个答案用“；”分隔，按顺序比对；单位写成“单位：m=1，cm=100”（第一个单位的倍数为 1，学员可不写单位）。"
    )
    aliases = ("数值题", "数值")
    editor_fields = ("spec",)
    editor_help = gettext_lazy(
        "每行一个答案：数值 ± 误差，如 3.14 ± 0.01（误差为 0 时只写数值；范围可写成 1..5）。\n"
        "部分得分：在后面用 | 加得分比例，如 3 ± 0.5 | 50%；也可写成 3 | 0.5 | 50%（带 % 的是得分比例，另一个是误差）。\n"
        "* 表示任意数字，如 * | 10%。答案按顺序比对，取第一个相符的答案的得分。\n"
        "单位（可不设）：另写一行“单位：m = 1，cm = 100”，第一个单位是答案所用的单位（倍数为 1），"
        "其余写出 1 个第一单位等于多少该单位；学员可以不写单位，写了则按倍数换算。"
    )

    # --- authoring -------------------------------------------------------------------

    def normalise(self, *, stem, options, accepted, data):
        raw_answers = data.get("answers") or []
        raw_units = data.get("units") or []
        if not isinstance(raw_answers, list) or not isinstance(raw_units, list):
            raise ValueError(_("数值题的答案或单位格式不对。"))
        answers = []
        for raw in raw_answers:
            if not isinstance(raw, dict):
                raise ValueError(_("数值题的答案格式不对。"))
            value, tolerance = _clean(raw.get("value")), _clean(raw.get("tolerance"))
            if not value and not tolerance:
                continue
            parsed = number(value)
            if value != "*" and parsed is not None:
                value = number_text(parsed)
            if value == "*" or not tolerance:
                tolerance = "0"
            elif number(tolerance) is not None:
                tolerance = number_text(number(tolerance))
            fraction = _fraction(raw.get("fraction"))
            valid = _moodle_fraction(fraction) if fraction is not None else None
            # A fraction Moodle does not allow is kept as written, for ``validate`` to name.
            fraction_text = fraction_str(valid) if valid is not None else _clean(raw.get("fraction"))
            answers.append({"value": value, "tolerance": tolerance, "fraction": fraction_text})
        units = []
        for raw in raw_units:
            if not isinstance(raw, dict):
                raise ValueError(_("数值题的单位格式不对。"))
            name, multiplier = _clean(raw.get("name")), _clean(raw.get("multiplier")) or "1"
            if not name and multiplier == "1":
                continue
            if number(multiplier) is not None:
                multiplier = number_text(number(multiplier))
            units.append({"name": name, "multiplier": multiplier})
        return [], [], {"answers": answers, "units": units}

    def validate(self, *, stem, options, accepted, data, errors):
        from exams.formats.base import match_moodle_fraction

        answers = data.get("answers") or []
        if not answers:
            add_error(errors, "data", _("数值题至少需要一个答案。"))
        if len(answers) > MAX_ANSWERS:
            add_error(errors, "data", _("数值题的答案不能超过 %(n)s 个。") % {"n": MAX_ANSWERS})
        for index, answer in enumerate(answers, start=1):
            value, tolerance = answer.get("value", ""), answer.get("tolerance", "0")
            if value != "*" and number(value) is None:
                add_error(
                    errors,
                    "data",
                    _("第 %(i)s 个答案“%(v)s”不是数字（可写 * 表示任意数字）。") % {"i": index, "v": value},
                )
            tol = number(tolerance)
            if tol is None:
                add_error(errors, "data", _("第 %(i)s 个答案的误差“%(v)s”不是数字。") % {"i": index, "v": tolerance})
            elif tol < 0:
                add_error(
                    errors, "data", _("第 %(i)s 个答案的误差不能为负数（现为 %(v)s）。") % {"i": index, "v": tolerance}
                )
            fraction = number(str(answer.get("fraction", "")))
            if fraction is None or fraction < 0 or match_moodle_fraction(fraction) is None:
                shown = percent_text(fraction) + "%" if fraction is not None and abs(fraction) <= 10 else None
                add_error(
                    errors,
                    "data",
                    _(
                        "第 %(i)s 个答案的得分比例“%(v)s”无效：应为 0%% 到 100%% 之间 Moodle 允许的比例（如 100%%、50%%、33.33333%%、10%%）。"
                    )
                    % {
                        "i": index,
                        "v": shown or answer.get("fraction"),
                    },
                )
        if answers and not any(_is_full(a) for a in answers):
            add_error(errors, "data", _("数值题至少需要一个得分为 100% 的答案，否则无法得满分。"))
        self._validate_units(data.get("units") or [], errors)

    def _validate_units(self, units: list[dict], errors: dict) -> None:
        if len(units) > MAX_UNITS:
            add_error(errors, "data", _("单位不能超过 %(n)s 个。") % {"n": MAX_UNITS})
        seen: set[str] = set()
        for index, unit in enumerate(units, start=1):
            name, multiplier = unit.get("name", ""), unit.get("multiplier", "")
            if not name:
                add_error(errors, "data", _("第 %(i)s 个单位没有名称。") % {"i": index})
                continue
            bad = sorted({c for c in name if c in UNIT_FORBIDDEN})
            if bad:
                add_error(errors, "data", _("单位“%(u)s”不能含有 %(c)s。") % {"u": name, "c": " ".join(bad)})
            elif name[0] in "0123456789+-.":
                add_error(errors, "data", _("单位“%(u)s”不能以数字、正负号或小数点开头。") % {"u": name})
            if len(name) > MAX_UNIT_CHARS:
                add_error(errors, "data", _("单位“%(u)s”太长（最多 %(n)s 个字）。") % {"u": name, "n": MAX_UNIT_CHARS})
            key = normalise_unit(name)
            if key in seen:
                add_error(errors, "data", _("单位“%(u)s”重复（比较时不区分大小写和空格）。") % {"u": name})
            seen.add(key)
            value = number(multiplier)
            if value is None or value <= 0:
                add_error(
                    errors,
                    "data",
                    _("单位“%(u)s”的倍数“%(v)s”应为大于 0 的数字。") % {"u": name, "v": multiplier},
                )
            elif index == 1 and value != 1:
                add_error(
                    errors,
                    "data",
                    _("第一个单位“%(u)s”是答案所用的单位，倍数应为 1（现为 %(v)s）。") % {"u": name, "v": multiplier},
                )

    # --- the 答案设置 text ------------------------------------------------------------

    def editor_text(self, *, stem, options, accepted, data) -> str:
        return "\n".join(self._spec_lines(data))

    def _spec_lines(self, data: dict) -> list[str]:
        lines = []
        for answer in data.get("answers") or []:
            line = answer.get("value", "")
            if line != "*" and answer.get("tolerance", "0") not in ("", "0"):
                line += " ± " + answer["tolerance"]
            fraction = number(str(answer.get("fraction", "1")))
            if fraction is None or fraction != 1:
                line += " | " + (percent_text(fraction) if fraction is not None else answer.get("fraction", "")) + "%"
            lines.append(line)
        units = data.get("units") or []
        if units:
            lines.append("单位：" + "，".join(f"{u['name']} = {u['multiplier']}" for u in units))
        return lines

    def parse_editor(self, text: str) -> tuple[list[dict], list[str], dict]:
        return [], [], parse_spec(text.splitlines(), lambda n: _("第 %(n)s 行") % {"n": n})

    # --- the page and grading -----------------------------------------------------------

    # No numeric keyboard (``inputmode``): iOS's decimal keypad has no minus sign, and an answer may be negative.

    def reveal(self, page, *, option_order, options, accepted, data):
        page.accepted_answers = self.accepted_texts(data)

    def accepted_texts(self, data: dict) -> list[str]:
        """The answers that earn something, as the result page and previews show them ("3.14 ± 0.01 m")."""
        units = data.get("units") or []
        unit = (" " + units[0]["name"]) if units else ""
        texts = []
        for answer in data.get("answers") or []:
            fraction = number(str(answer.get("fraction", "0"))) or Decimal(0)
            if fraction <= 0:
                continue
            if answer.get("value") == "*":
                text = _("任意数字")
            else:
                text = answer.get("value", "")
                if answer.get("tolerance", "0") not in ("", "0"):
                    text += " ± " + answer["tolerance"]
                text += unit
            if fraction < 1:
                text += f"（{percent_text(fraction)}%）"
            texts.append(text)
        if len(units) > 1:
            others = "、".join(f"1 {units[0]['name']} = {u['multiplier']} {u['name']}" for u in units[1:])
            texts.append(_("可用单位：%(u)s") % {"u": others})
        return texts

    def key_text(self, *, option_order, options, accepted, data) -> str:
        return "；".join(self.accepted_texts(data))

    def score(self, *, options, accepted, data, response, partial_credit):
        if not isinstance(response, str):
            return Decimal(0)
        fraction = numeric_fraction(response, data.get("answers") or [], data.get("units") or [])
        if not partial_credit:
            return Decimal(1) if fraction >= 1 - FRACTION_TOLERANCE else Decimal(0)
        return clamp(fraction)

    # --- Excel ------------------------------------------------------------------------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER

        items = [i for i in _XLSX_SPLIT_RE.split(answer) if i.strip()]
        if not items:
            error(COL_ANSWER, _("数值题需要答案，如 3.14±0.01；多个答案用“；”分隔，单位写成“单位：m=1，cm=100”。"))
            return False
        try:
            draft.data = parse_spec(items, lambda n: _("第 %(n)s 项") % {"n": n})
        except ValueError as exc:
            error(COL_ANSWER, str(exc))
            return False
        return True

    def write_xlsx(self, version):
        return [], "；".join(self._spec_lines(version.data or {}))

    # --- GIFT ---------------------------------------------------------------------------------

    def write_gift(self, version, *, head, general, ctx):
        data = version.data or {}
        lines = []
        units = data.get("units") or []
        if units:  # GIFT has no units: kept in a comment our import reads (Moodle ignores it)
            lines.append("// [units:" + ",".join(f"{u['name']}={u['multiplier']}" for u in units) + "]")
        body = []
        for answer in data.get("answers") or []:
            fraction = Decimal(answer["fraction"])
            if fraction <= 0:
                continue  # matching nothing scores 0 already
            mark = "=" if fraction == 1 else f"=%{ctx.percent(fraction)}%"
            value = answer["value"]
            if value != "*" and answer.get("tolerance", "0") != "0":
                value += ":" + answer["tolerance"]
            body.append(mark + value)
        lines.append(head + "{#" + " ".join(body) + general + "}")
        return lines

    # --- Moodle XML ---------------------------------------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        ok = True
        answers = []
        for answer in element.findall("answer"):
            value = _clean(ctx.text(answer))
            if not value:
                continue  # Moodle leaves blank answers out too
            fraction = ctx.fraction(answer)
            if fraction is None:
                ok = False
                continue
            if value != "*" and number(value) is None:
                ctx.error(_("数值题的答案“%(a)s”不是数字。") % {"a": value}, line=answer.line)
                ok = False
                continue
            raw_tolerance = _clean(ctx.text(answer, "tolerance"))
            tolerance = number(raw_tolerance or "0")
            if tolerance is None:
                ctx.error(
                    _("数值题答案“%(a)s”的误差“%(t)s”不是数字。") % {"a": value, "t": raw_tolerance}, line=answer.line
                )
                ok = False
                continue
            # Moodle uses the tolerance's absolute value.
            answers.append({"value": value, "tolerance": number_text(abs(tolerance)), "fraction": fraction})
        units = []
        for unit in element.findall("units/unit"):
            units.append(
                {"name": ctx.plain(unit, "unit_name").strip(), "multiplier": ctx.text(unit, "multiplier").strip()}
            )
        draft.data = {"answers": answers, "units": units}
        self._warn_unit_settings(element, bool(units), ctx)
        return ok

    def _warn_unit_settings(self, element, has_units: bool, ctx) -> None:
        grading = ctx.text(element, "unitgradingtype").strip()
        penalty = ctx.decimal(ctx.text(element, "unitpenalty")) or Decimal(0)
        show = ctx.text(element, "showunits").strip()
        if has_units and grading in ("1", "2"):
            ctx.warn(
                _(
                    "原题要求写单位，缺少单位时扣 %(p)s%%（unitgradingtype/unitpenalty）；本平台单位可写可不写，"
                    "不写按第一个单位计，写了不认识的单位不得分，扣分设置已忽略。"
                )
                % {"p": percent_text(penalty)},
                line=element.line,
            )
        if has_units and show in ("1", "2"):
            ctx.warn(
                _("原题让学员从列表中选择单位（showunits=%(s)s）；本平台学员在数字后直接写单位。") % {"s": show},
                line=element.line,
            )
        if has_units and ctx.text(element, "unitsleft").strip() == "1":
            ctx.warn(
                _("原题的单位写在数字前面（unitsleft=1）；本平台单位写在数字后面，写在前面的答案不得分。"),
                line=element.line,
            )
        if ctx.plain(element.find("instructions")).strip():
            ctx.warn(_("单位说明（instructions）无法保留，已忽略。"), line=element.find("instructions").line)

    def write_moodle(self, node, version, ctx) -> None:
        data = version.data or {}
        for answer in data.get("answers") or []:
            element = ctx.answer(node, answer["value"], Decimal(answer["fraction"]), fmt="plain_text")
            ctx.sub(element, "tolerance", answer.get("tolerance", "0"))
        units = data.get("units") or []
        if units:
            units_node = ctx.sub(node, "units", None)
            for unit in units:
                unit_node = ctx.sub(units_node, "unit", None)
                ctx.sub(unit_node, "multiplier", unit["multiplier"])
                ctx.sub(unit_node, "unit_name", unit["name"])
        ctx.sub(node, "unitgradingtype", "0")  # units optional, no penalty
        ctx.sub(node, "unitpenalty", "0")
        ctx.sub(node, "showunits", "0" if units else "3")  # typed after the number / none
        ctx.sub(node, "unitsleft", "0")


def _fraction_field(field: str, where: str) -> Decimal:
    from exams.formats.base import match_moodle_fraction

    raw = field[:-1].strip()
    value = number(raw)
    valid = match_moodle_fraction(value / 100) if value is not None else None
    if valid is None or valid < 0:
        raise ValueError(
            _(
                "%(w)s：得分比例“%(v)s”无效，应为 0%% 到 100%% 之间 Moodle 允许的比例（如 100%%、50%%、33.33333%%、10%%）。"
            )
            % {"w": where, "v": field}
        )
    return valid


def _number_field(text: str, where: str, what: str) -> Decimal:
    value = number(text.strip())
    if value is None:
        raise ValueError(_("%(w)s：%(what)s“%(v)s”不是数字。") % {"w": where, "what": what, "v": text.strip()})
    return value


def parse_spec(lines: list[str], where_of) -> dict:
    """The 答案设置 text (or an Excel cell's items) → raw ``data``; ``ValueError`` names the line (``where_of(n)``)."""
    answers, units, units_at = [], [], None
    for index, raw in enumerate(lines, start=1):
        line = _clean(raw)
        if not line:
            continue
        where = where_of(index)
        match = _UNITS_LINE_RE.match(line)
        if match:
            if units_at is not None:
                raise ValueError(_("%(w)s：单位已在%(at)s写过，只能写一行。") % {"w": where, "at": where_of(units_at)})
            units_at = index
            units = parse_units(match.group(1), where)
            continue
        answers.append(_parse_answer(line, where))
    if not answers:
        raise ValueError(_("请至少写一个答案，如 3.14 ± 0.01。"))
    return {"answers": answers, "units": units}


def _parse_answer(line: str, where: str) -> dict:
    fields = [f.strip() for f in line.split("|")]
    if len(fields) > 3:
        raise ValueError(
            _("%(w)s：最多三项（数值 | 误差 | 得分比例），现有 %(n)s 项。") % {"w": where, "n": len(fields)}
        )
    head, rest = fields[0], fields[1:]
    tolerance = None
    if _PLUS_MINUS_RE.search(head):
        value_text, tolerance_text = _PLUS_MINUS_RE.split(head, maxsplit=1)
        value_text = value_text.strip()
        tolerance = _number_field(tolerance_text, where, _("误差"))
    elif ".." in head[1:]:
        low_text, high_text = head.split("..", 1)
        low, high = _number_field(low_text, where, _("范围下限")), _number_field(high_text, where, _("范围上限"))
        if low > high:
            raise ValueError(_("%(w)s：范围 %(r)s 的下限大于上限。") % {"w": where, "r": head})
        value_text, tolerance = number_text((low + high) / 2), (high - low) / 2
    else:
        value_text = head
    if not value_text:
        raise ValueError(_("%(w)s：缺少数值。") % {"w": where})
    if value_text != "*":
        _number_field(value_text, where, _("数值"))
    fraction = None
    for field in rest:
        if field.endswith("%"):
            if fraction is not None:
                raise ValueError(_("%(w)s：得分比例写了两次。") % {"w": where})
            fraction = _fraction_field(field, where)
        else:
            if tolerance is not None:
                raise ValueError(_("%(w)s：误差写了两次（带 %% 的才是得分比例）。") % {"w": where})
            tolerance = _number_field(field, where, _("误差"))
    if tolerance is not None and tolerance < 0:
        raise ValueError(_("%(w)s：误差不能为负数。") % {"w": where})
    return {
        "value": value_text,
        "tolerance": number_text(tolerance) if tolerance is not None else "0",
        "fraction": fraction if fraction is not None else Decimal(1),
    }


def parse_units(text: str, where: str) -> list[dict]:
    units = []
    for item in _UNIT_SPLIT_RE.split(text):
        item = item.strip()
        if not item:
            continue
        if "=" in item:
            name, multiplier = (p.strip() for p in item.split("=", 1))
            _number_field(multiplier, where, _("单位“%(u)s”的倍数") % {"u": name})
        else:
            name, multiplier = item, "1"
        if not name:
            raise ValueError(_("%(w)s：“%(i)s”缺少单位名称。") % {"w": where, "i": item})
        units.append({"name": name, "multiplier": multiplier})
    if not units:
        raise ValueError(_("%(w)s：“单位：”后没有单位，如 单位：m = 1，cm = 100。") % {"w": where})
    return units
