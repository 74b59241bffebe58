"""Matching (匹配题), as Moodle's qtype_match: each left-hand item is matched with one of the answers.

Stored shape (``exams.qtypes.parts``): each left-hand item is a part ``P<n>.1`` in group 0 with its
text (plain text) and ``answer``, the key of its right answer; the answers are choices ``C1.<n>`` in
group 1, one per distinct text (Moodle offers each text once), in the order they first appear,
including the extra wrong answers (Moodle's subquestions without text). The answers are shuffled on
every paper (``"shuffle": "always"``: Moodle always shuffles them); the items when the exam shuffles
options, unless the question keeps them in order (Moodle's ``shuffleanswers`` off: ``"never"``).

Raw content (``normalise``) is Moodle's rows: ``{"text": left item, "answer": right text}``, an empty
``text`` for an extra wrong answer; ``data["shuffle"] = False`` keeps the items in order. The stored
shape is accepted as well (saving stored content again changes nothing).

Grading is Moodle's: the fraction of the items matched right (partial credit), or all or nothing.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.choice import add_error
from exams.qtypes.parts import PartsType, choice_group, part_group
from exams.richtext import html_to_text, looks_like_html, lost_markup

#: How a pair is written in the bank editor, Excel cells and GIFT (``左项 -> 右项``); the first is written.
ARROW = "->"
ARROW_RE = re.compile(r"->|－>|－＞|-＞|→")
#: The bank editor's line that keeps the items in their written order.
KEEP_ORDER = "[不打乱]"
KEEP_ORDER_WORDS = {"[不打乱]", "［不打乱］", "不打乱"}
#: Moodle's form: at least two items with text, and three answers (rows) in all.
MIN_ITEMS, MIN_ROWS = 2, 3
MAX_ROWS = 50
MAX_ANSWER_CHARS = 255  # Moodle's subanswers field
MAX_ITEM_CHARS = 1000


def _one_line(value) -> str:
    return " ".join(str(value or "").split())


def split_pair(line: str) -> tuple[str, str] | None:
    """``"左项 -> 右项"`` → (左项, 右项) split at the first arrow; ``None`` when there is none."""
    match = ARROW_RE.search(line)
    if not match:
        return None
    return line[: match.start()].strip(), line[match.end() :].strip()


def rows_of(options: list[dict]) -> list[tuple[str, str]]:
    """The stored options as Moodle's rows: (item, its answer's text), then ("", extra wrong answer)."""
    by_key = {o["key"]: o for o in options}
    rows, used = [], set()
    for option in options:
        if part_group(option["key"]) is not None:
            answer = option.get("answer") or ""
            used.add(answer)
            rows.append((option.get("text", ""), by_key.get(answer, {}).get("text", "")))
    for option in options:
        if choice_group(option["key"]) is not None and option["key"] not in used:
            rows.append(("", option.get("text", "")))
    return rows


def keeps_order(options: list[dict]) -> bool:
    return any(part_group(o["key"]) is not None and o.get("shuffle") == "never" for o in options)


@register
class Matching(PartsType):
    name = "matching"
    label = gettext_lazy("匹配题")
    shuffle_on_request = True
    moodle_names = ("matching", "match")
    gift = True
    xlsx = True
    aliases = ("匹配题", "匹配", "连线题")
    editor_fields = ("spec",)
    editor_help = gettext_lazy(
        "匹配题：每行写一对“左项 -> 右项”，学员为每个左项从下拉框中选出对应的右项；"
        "几个左项可以对应同一个右项。\n"
        "只写“-> 右项”的一行是干扰项（不对应任何左项的多余答案）。\n"
        "至少两个左项，左项与干扰项合计至少三行。右项每次随机排列；"
        "左项在考试设置“选项乱序”时打乱，如需保持顺序，另起一行写“[不打乱]”。\n"
        "例：\n警告 -> 申诫罚\n罚款 -> 财产罚\n行政拘留 -> 人身罚\n-> 行为罚"
    )

    # --- authoring -------------------------------------------------------------------

    def normalise(self, *, stem, options, accepted, data):
        if any("key" in o for o in options):
            rows = rows_of(options)
            keep = keeps_order(options) or data.get("shuffle") is False
        else:
            rows = [(_one_line(o.get("text")), _one_line(o.get("answer"))) for o in options]
            keep = data.get("shuffle") is False
        rows = [(left, right) for left, right in rows if left or right]
        choices: dict[str, str] = {}
        for _left, right in rows:
            if right and right not in choices:
                choices[right] = f"C1.{len(choices) + 1}"
        parts = []
        for left, right in rows:
            if not left:
                continue
            part = {"key": f"P{len(parts) + 1}.1", "group": 0, "text": left, "answer": choices.get(right, "")}
            if keep:
                part["shuffle"] = "never"
            parts.append(part)
        answers = [{"key": key, "group": 1, "text": text, "shuffle": "always"} for text, key in choices.items()]
        return parts + answers, [], {}

    def validate(self, *, stem, options, accepted, data, errors):
        parts = [o for o in options if part_group(o["key"]) is not None]
        answers = [o for o in options if choice_group(o["key"]) is not None]
        used = {o.get("answer") for o in parts}
        rows = len(parts) + sum(1 for o in answers if o["key"] not in used)
        if len(parts) < MIN_ITEMS:
            add_error(errors, "options", _("匹配题至少需要两个左项（每行“左项 -> 右项”）。"))
        if rows < MIN_ROWS:
            add_error(errors, "options", _("匹配题至少需要三个答案：左项与干扰项合计至少三行。"))
        if rows > MAX_ROWS:
            add_error(errors, "options", _("匹配题最多 %(n)s 行（左项与干扰项合计）。") % {"n": MAX_ROWS})
        for part in parts:
            if not part.get("answer"):
                add_error(errors, "options", _("左项“%(t)s”没有对应的右项。") % {"t": part["text"]})
            if ARROW_RE.search(part["text"]):
                add_error(errors, "options", _("左项“%(t)s”不能含有箭头“->”或“→”。") % {"t": part["text"]})
            if len(part["text"]) > MAX_ITEM_CHARS:
                add_error(
                    errors,
                    "options",
                    _("左项“%(t)s…”超过 %(n)s 个字。") % {"t": part["text"][:20], "n": MAX_ITEM_CHARS},
                )
        for answer in answers:
            if len(answer["text"]) > MAX_ANSWER_CHARS:
                add_error(
                    errors,
                    "options",
                    _("右项“%(t)s…”超过 %(n)s 个字。") % {"t": answer["text"][:20], "n": MAX_ANSWER_CHARS},
                )
        texts: dict[str, set] = {}
        for part in parts:
            texts.setdefault(part["text"], set()).add(part.get("answer"))
        clashes = [text for text, keys in texts.items() if len(keys) > 1]
        if clashes:
            add_error(
                errors, "options", _("左项“%(t)s”重复且对应不同的右项，学员无法作答。") % {"t": "、".join(clashes)}
            )

    def editor_text(self, *, stem, options, accepted, data) -> str:
        lines = [f"{left} {ARROW} {right}" if left else f"{ARROW} {right}" for left, right in rows_of(options)]
        if keeps_order(options):
            lines.append(KEEP_ORDER)
        return "\n".join(lines)

    def parse_editor(self, text: str):
        rows, data = [], {}
        for number, raw in enumerate((text or "").splitlines(), start=1):
            line = raw.strip()
            if not line:
                continue
            if line in KEEP_ORDER_WORDS:
                data["shuffle"] = False
                continue
            pair = split_pair(line)
            if pair is None:
                raise ValueError(
                    _("第 %(n)s 行“%(l)s”缺少“->”：每行写一对“左项 -> 右项”，干扰项写成“-> 干扰项”。")
                    % {"n": number, "l": line}
                )
            left, right = pair
            if not right:
                raise ValueError(
                    _("第 %(n)s 行“%(l)s”缺少右项：“->”后面应写出与左项对应的答案。") % {"n": number, "l": line}
                )
            rows.append({"text": left, "answer": right})
        return rows, [], data

    # --- Excel: 选项A… each "左项 -> 右项" or "-> 干扰项"; 答案 empty (or 不打乱) ---------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, OPTION_LETTERS

        ok = True
        for letter in OPTION_LETTERS:
            column = f"选项{letter}"
            cell = row.get(column, "").strip()
            if not cell:
                continue
            pair = split_pair(cell)
            if pair is None:
                error(column, _("匹配题的选项应写成“左项 -> 右项”，干扰项写成“-> 干扰项”，现为“%(v)s”。") % {"v": cell})
                ok = False
            elif not pair[1]:
                error(column, _("“%(v)s”缺少右项：“->”后面应写出与左项对应的答案。") % {"v": cell})
                ok = False
            else:
                draft.options.append({"text": pair[0], "answer": pair[1]})
        if answer in KEEP_ORDER_WORDS:
            draft.data["shuffle"] = False
        elif answer:
            error(
                COL_ANSWER,
                _("匹配题的答案写在选项列中（每格“左项 -> 右项”），答案列应留空（或写“不打乱”），现为“%(v)s”。")
                % {"v": answer},
            )
            ok = False
        return ok

    def write_xlsx(self, version):
        cells = [f"{left} {ARROW} {right}" if left else f"{ARROW} {right}" for left, right in rows_of(version.options)]
        return cells, "不打乱" if keeps_order(version.options) else ""

    # --- GIFT: {=左项 -> 右项 ... = -> 干扰项} (Moodle's question/format/gift) -----------------------

    def write_gift(self, version, *, head, general, ctx):
        # GIFT has no shuffleanswers: a comment says it (``exams.formats.gift`` reads it, Moodle ignores it).
        body = ["// [shuffle:false]"] if keeps_order(version.options) else []
        body.append(head + "{")
        for left, right in rows_of(version.options):
            item = f"[plain]{ctx.repchar(left)}" if left else ""
            body.append(f"\t={item} {ARROW} {ctx.repchar(right)}")
        if general:
            body.append("\t" + general)
        body.append("}")
        return body

    # --- Moodle XML: <subquestion><text/><answer><text/></answer></subquestion> ---------------

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        if not ctx.flag(element, "shuffleanswers", True):
            draft.data["shuffle"] = False
        for sub in element.findall("subquestion"):
            raw = ctx.text(sub)
            if ctx.format(sub) in ("html", "moodle_auto_format") or looks_like_html(raw):
                lost = lost_markup(raw)
                if lost:
                    ctx.warn(
                        _("左项中的%(what)s无法保留，仅导入文字。") % {"what": "、".join(lost)},
                        line=sub.line,
                    )
                left = html_to_text(raw)
            else:
                left = raw.strip()
            right = ctx.text(sub.find("answer")).strip()
            if looks_like_html(right):
                right = html_to_text(right)
            if sub.findall("file") and not lost_markup(raw):
                ctx.warn(_("左项的附件无法保留，已忽略。"), line=sub.line)
            draft.options.append({"text": left, "answer": right})
        return True

    def write_moodle(self, node, version, ctx) -> None:
        ctx.sub(node, "shuffleanswers", "false" if keeps_order(version.options) else "true")
        for left, right in rows_of(version.options):
            sub = ctx.plain_child(node, "subquestion", left)
            answer = ET.SubElement(sub, "answer")
            ET.SubElement(answer, "text").text = right
