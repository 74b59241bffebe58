"""Select missing words (选词填空, Moodle ``gapselect``) and drag and drop into text (拖词填空, ``ddwtos``).

Both are a text with gaps and a list of numbered choices, each in a choice group (1–8, as Moodle's
edit form offers): the stem marks each gap with ``[[n]]``, ``n`` being the number of the choice that
is right there (as Moodle's questiontext does), and a gap is answered with a choice of that
choice's group. On a phone both are answered with one select per gap (no dragging); a ddwtos
choice marked ``infinite`` (usable in several gaps) keeps its mark, and with selects any choice
may be picked in several gaps anyway.

Stored (see ``exams.qtypes.parts``): each choice is an option ``{"key": "C<group>.<n>", "text",
"group": <group>, "shuffle": "always"|"never"}`` (``n`` its number in the question, as ``[[n]]``
names it; ``"always"`` when Moodle's shuffleanswers is on; ddwtos may add ``"infinite": true``),
and each gap, in stem order, a part ``{"key": "P<k>.<group>", "group": 0, "shuffle": "never",
"answer": "C<group>.<n>"}``. The page shows ``（k）`` where the stem has the k-th ``[[n]]``, so the
choice numbers (which name the key) never reach it.

Grading is Moodle's: the fraction of gaps answered right (all or nothing without partial credit).
Where a group holds two choices of the same text (a ddwtos author's way to use a word twice), either
one is right in a gap that wants that text: a select cannot tell them apart.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import PageItem, normalise_fill
from exams.qtypes.choice import add_error
from exams.qtypes.parts import PartsType, choice_group, part_group

MAX_GROUPS = 8  # Moodle's edit form offers groups 1–8
MAX_CHOICES = 100
#: Anything in double square brackets, as Moodle's edit form finds the slots.
SLOT_RE = re.compile(r"\[\[([^\]]*?)\]\]")
#: A well-formed gap: the number of a choice.
GAP_RE = re.compile(r"\[\[(\d{1,6})\]\]")
SHUFFLE_LINE_RE = re.compile(r"^选项乱序\s*[:：]\s*(\S*)\s*$")
SPLIT_RE = re.compile(r"[|｜]")
YES = {"是", "乱序", "1", "true", "yes", "y"}
NO = {"否", "不乱序", "0", "false", "no", "n"}
INFINITE_WORDS = {"无限", "不限", "无限次", "infinite"}
#: The 答案设置 text's and the Excel cells' words (syntax, hence never translated).
SHUFFLE_WORD, YES_WORD, NO_WORD, INFINITE_WORD = "选项乱序", "是", "否", "无限"
_LEGACY_GROUP_RE = re.compile(r'"draggroup";s:\d+:"(\d+)"')
_LEGACY_INFINITE_RE = re.compile(r'"infinite";(?:i|b):1')


def choice_number(key: str) -> int | None:
    """``"C2.5"`` → 5 (the choice's number, as ``[[5]]`` names it)."""
    if choice_group(key) is None:
        return None
    tail = key.split(".", 1)[1]
    return int(tail) if tail.isdigit() else None


def gap_numbers(stem: str) -> list[int]:
    """The choice numbers the stem's gaps name, in stem order (well-formed gaps only)."""
    return [int(m.group(1)) for m in GAP_RE.finditer(stem or "")]


def blank_stem(stem: str, labels: list[str] | None = None) -> str:
    """The stem as a learner sees it: each ``[[n]]`` becomes the numbered blank of its gap.

    ``labels`` are the gaps' labels in stem order (（1）, （2）… by default); anything else in double
    brackets is left as it is (validation refuses it before a question is saved).
    """
    counter = iter(range(1, 10**6))

    def replace(_match):
        k = next(counter)
        label = labels[k - 1] if labels and k <= len(labels) else f"（{k}）"
        return f'<span class="gap">{label}</span>'

    return GAP_RE.sub(replace, stem or "")


def _group_of(value) -> int | None:
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if not text:
        return 1
    if text.isdigit() and 1 <= int(text) <= MAX_GROUPS:
        return int(text)
    return None


def _flag_word(value: str) -> bool | None:
    word = unicodedata.normalize("NFKC", value or "").strip().casefold()
    if word in YES:
        return True
    if word in NO:
        return False
    return None


class _Gaps(PartsType):
    """What select-missing-words and drag-into-text share (they differ in Moodle's element names and ``infinite``)."""

    xlsx = True
    gift = False
    aiken = False
    shuffle_on_request = False  # the choices' own marks (Moodle's shuffleanswers) decide
    editor_fields = ("spec",)
    #: Whether a choice may be marked usable in several gaps (ddwtos).
    has_infinite = False
    moodle_choice_tag = ""
    xlsx_guide = (
        "题干用 [[1]]、[[2]]… 标出空位（数字为该空正确选项的序号）；选项A起每格一个选项，可写“文本|组号”（组号 1–8），"
        "拖词填空可加“|无限”；答案列可空，或填“乱序”/“不乱序”（空为乱序）。"
    )

    def learner_stem(self, stem: str) -> str:
        return blank_stem(stem)

    # --- authoring ----------------------------------------------------------------

    def _raw_choices(self, options: list[dict]) -> list[dict]:
        """The choices in number order, from raw input (in order) or stored options (by their numbers)."""
        stored = [o for o in options if choice_number(str(o.get("key", ""))) is not None]
        if stored:
            return sorted(stored, key=lambda o: choice_number(o["key"]))
        return [o for o in options if part_group(str(o.get("key", ""))) is None]

    def normalise(self, *, stem, options, accepted, data):
        raw = self._raw_choices(options)
        if "shuffle" in (data or {}):
            shuffle = bool(data["shuffle"])
        elif raw and any("shuffle" in o for o in raw):
            shuffle = any(o.get("shuffle") == "always" for o in raw)
        else:
            shuffle = True  # Moodle's import reads a missing <shuffleanswers> as on
        mark = "always" if shuffle else "never"
        choices = []
        for number, option in enumerate(raw, start=1):
            group = _group_of(option.get("group"))
            choice = {
                # A group out of range is kept as 0 for ``validate`` to name (never a part's group).
                "key": f"C{group or 0}.{number}",
                "text": str(option.get("text", "")).strip(),
                "group": group or 0,
                "shuffle": mark,
            }
            if group is None:
                choice["bad_group"] = str(option.get("group"))
            if self.has_infinite and option.get("infinite"):
                choice["infinite"] = True
            choices.append(choice)
        parts = []
        for number in gap_numbers(stem):
            if not 1 <= number <= len(choices) or not choices[number - 1]["group"]:
                continue  # ``validate`` names it
            choice = choices[number - 1]
            k = len(parts) + 1
            parts.append({"key": f"P{k}.{choice['group']}", "group": 0, "shuffle": "never", "answer": choice["key"]})
        return parts + choices, [], {}

    def validate(self, *, stem, options, accepted, data, errors):
        choices = [o for o in options if choice_number(o["key"]) is not None]
        if not choices:
            add_error(errors, "options", _("没有选项：请在答案设置中每行写一个选项。"))
        if len(choices) > MAX_CHOICES:
            add_error(errors, "options", _("选项不能超过 %(n)s 个。") % {"n": MAX_CHOICES})
        for choice in choices:
            number = choice_number(choice["key"])
            if not choice.get("text"):
                add_error(errors, "options", _("第 %(n)s 个选项内容为空。") % {"n": number})
            if "bad_group" in choice or not 1 <= int(choice.get("group") or 0) <= MAX_GROUPS:
                add_error(
                    errors,
                    "options",
                    _("第 %(n)s 个选项的组号应为 1 到 %(max)s 的整数，现为“%(g)s”。")
                    % {"n": number, "max": MAX_GROUPS, "g": choice.get("bad_group", choice.get("group"))},
                )
        slots = SLOT_RE.findall(stem or "")
        if not slots:
            add_error(
                errors,
                "stem",
                _("题干中没有空位：请用 [[1]]、[[2]]… 标出每个空位，数字是该空正确选项的序号。"),
            )
            return
        for slot in slots:
            text = slot.strip()
            if not GAP_RE.fullmatch(f"[[{slot}]]"):
                add_error(
                    errors,
                    "stem",
                    _("题干中的 [[%(s)s]] 不是有效的空位：方括号中应为正确选项的序号（如 [[1]]）。") % {"s": text},
                )
            elif not 1 <= int(slot) <= len(choices):
                add_error(
                    errors,
                    "stem",
                    _("题干中的 [[%(s)s]] 没有对应的选项（共 %(n)s 个选项）。") % {"s": slot, "n": len(choices)},
                )

    editor_help = gettext_lazy(
        "每行一个选项，按顺序编号为 1、2、3…；题干中用 [[1]]、[[2]]… 标出空位，数字是该空正确选项的序号。\n"
        "选项可写成“文本 | 组号”（组号 1–8，不写即第 1 组）：每个空只能从其正确选项所在组的选项中选择。\n"
        "另起一行写“选项乱序：是”或“选项乱序：否”（不写即乱序）。\n"
        "例：题干“行政处罚由违法行为发生地的[[1]]以上地方人民政府具有行政处罚权的[[3]]管辖。”\n"
        "答案设置：\n县级\n乡级\n行政机关 | 2\n司法机关 | 2"
    )

    def editor_text(self, *, stem, options, accepted, data) -> str:
        choices = sorted(
            (o for o in options if choice_number(o["key"]) is not None), key=lambda o: choice_number(o["key"])
        )
        shuffle = any(o.get("shuffle") == "always" for o in choices) if choices else True
        lines = [f"{SHUFFLE_WORD}：{YES_WORD if shuffle else NO_WORD}"]
        for choice in choices:
            line = choice.get("text", "")
            group = int(choice.get("group") or 1)
            if group != 1 or choice.get("infinite"):
                line += f" | {group}"
            if choice.get("infinite"):
                line += f" | {INFINITE_WORD}"
            lines.append(line)
        return "\n".join(lines)

    def parse_editor(self, text: str):
        choices, data = [], {}
        for number, line in enumerate((text or "").splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            setting = SHUFFLE_LINE_RE.match(line)
            if setting:
                value = _flag_word(setting.group(1))
                if value is None:
                    raise ValueError(
                        _("第 %(n)s 行：“选项乱序”应为“是”或“否”，现为“%(v)s”。") % {"n": number, "v": setting.group(1)}
                    )
                data["shuffle"] = value
                continue
            choices.append(
                self._choice_cells(SPLIT_RE.split(line), lambda m, n=number: _("第 %(n)s 行：") % {"n": n} + m)
            )
        return choices, [], data

    def _choice_cells(self, cells: list[str], where) -> dict:
        """One choice from its text and its marks (group number, and for ddwtos 无限); ``ValueError`` says which."""
        text = cells[0].strip()
        if not text:
            raise ValueError(where(_("选项内容不能为空。")))
        choice: dict = {"text": text, "group": 1}
        for cell in cells[1:]:
            mark = unicodedata.normalize("NFKC", cell).strip()
            if not mark:
                continue
            if mark.isdigit():
                if not 1 <= int(mark) <= MAX_GROUPS:
                    raise ValueError(
                        where(_("组号应为 1 到 %(max)s 的整数，现为“%(g)s”。") % {"max": MAX_GROUPS, "g": mark})
                    )
                choice["group"] = int(mark)
            elif mark.casefold() in INFINITE_WORDS and self.has_infinite:
                choice["infinite"] = True
            elif mark.casefold() in INFINITE_WORDS:
                raise ValueError(where(_("选词填空的选项不需要标“无限”：下拉选择时每个选项都可用于多个空。")))
            else:
                expected = _("组号（1–%(max)s）或“无限”") if self.has_infinite else _("组号（1–%(max)s）")
                raise ValueError(
                    where(
                        _("“%(m)s”应为%(e)s。") % {"m": cell.strip(), "e": expected % {"max": MAX_GROUPS}},
                    )
                )
        return choice

    # --- the page -----------------------------------------------------------------

    def build_page(self, page: PageItem, *, option_order, options, response) -> None:
        super().build_page(page, option_order=option_order, options=options, response=response)
        page.stem = blank_stem(page.stem, [part.label for part in page.parts])

    # --- grading ------------------------------------------------------------------

    def part_fraction(self, part_option: dict, value, by_key: dict) -> Decimal:
        right = part_option.get("answer")
        if value is None or not right:
            return Decimal(0)
        if value == right:
            return Decimal(1)
        # Two choices of one text in one group are the same word in a select.
        chosen, wanted = by_key.get(value), by_key.get(right)
        if chosen and wanted and chosen.get("group") == wanted.get("group"):
            if normalise_fill(chosen.get("text")) == normalise_fill(wanted.get("text")):
                return Decimal(1)
        return Decimal(0)

    # --- Excel --------------------------------------------------------------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, OPTION_LETTERS

        texts = [(letter, row.get(f"选项{letter}", "").strip()) for letter in OPTION_LETTERS]
        last = max((i for i, (_l, t) in enumerate(texts) if t), default=-1)
        texts = texts[: last + 1]
        if not texts:
            error("选项A", _("%(t)s的选项写在“选项A”起的各列，每格一个（可写成“文本|组号”）。") % {"t": self.label})
            return False
        for letter, text in texts:
            if not text:
                error(f"选项{letter}", _("选项不能空缺（后面的选项有内容）。"))
                return False
            try:
                draft.options.append(self._choice_cells(SPLIT_RE.split(text), lambda m: m))
            except ValueError as exc:
                error(f"选项{letter}", str(exc))
                return False
        if answer:
            value = _flag_word(answer)
            if value is None:
                error(
                    COL_ANSWER,
                    _("%(t)s的答案写在题干的 [[1]]、[[2]]… 中；本列可空，或填“乱序”“不乱序”，现为“%(v)s”。")
                    % {"t": self.label, "v": answer},
                )
                return False
            draft.data["shuffle"] = value
        return True

    def write_xlsx(self, version):
        cells = []
        for line in self.editor_text(stem="", options=version.options, accepted=[], data={}).splitlines()[1:]:
            cells.append(line.replace(" | ", "|"))
        shuffle = any(o.get("shuffle") == "always" for o in version.options if choice_number(o["key"]) is not None)
        return cells, "乱序" if shuffle else "不乱序"

    # --- Moodle XML ---------------------------------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        draft.data["shuffle"] = ctx.flag(element, "shuffleanswers", True)  # Moodle's import: missing is on
        nodes = element.findall(self.moodle_choice_tag)
        ok = True
        if nodes:
            for number, node in enumerate(nodes, start=1):
                raw = ctx.text(node)
                lost = ctx.lost_markup(raw)
                if lost:
                    ctx.warn(
                        _("第 %(n)s 个选项中的%(what)s无法保留，仅导入文字。") % {"n": number, "what": "、".join(lost)},
                        line=node.line,
                    )
                group_text = ctx.text(node, "group").strip() if node.find("group") is not None else ""
                group = _group_of(group_text)
                if group is None:
                    ctx.error(
                        _("第 %(n)s 个选项的组号（group）应为 1 到 %(max)s 的整数，现为“%(g)s”。")
                        % {"n": number, "max": MAX_GROUPS, "g": group_text},
                        line=node.line,
                    )
                    ok = False
                choice = {"text": ctx.plain(node).strip(), "group": group or 1}
                if node.find("infinite") is not None and self.has_infinite:
                    choice["infinite"] = True
                draft.options.append(choice)
        else:
            # Moodle 2.0's files: each choice an <answer> whose <feedback> holds its group (serialised, for ddwtos).
            for answer in element.findall("answer"):
                feedback = ctx.text(answer.find("feedback")) if answer.find("feedback") is not None else ""
                legacy = _LEGACY_GROUP_RE.search(feedback)
                group = _group_of(legacy.group(1) if legacy else feedback.strip() or "1")
                choice = {"text": ctx.plain(answer).strip(), "group": group or 1}
                if self.has_infinite and _LEGACY_INFINITE_RE.search(feedback):
                    choice["infinite"] = True
                draft.options.append(choice)
        if not draft.options:
            ctx.error(
                _("没有任何选项（<%(tag)s>）。") % {"tag": self.moodle_choice_tag},
                line=element.line,
            )
            return False
        return ok

    def write_moodle(self, node, version, ctx) -> None:
        choices = sorted(
            (o for o in version.options if choice_number(o["key"]) is not None), key=lambda o: choice_number(o["key"])
        )
        shuffle = any(o.get("shuffle") == "always" for o in choices)
        ctx.sub(node, "shuffleanswers", "1" if shuffle else "0")
        for choice in choices:
            box = ctx.sub(node, self.moodle_choice_tag, None)
            ctx.sub(box, "text", choice.get("text", ""))
            ctx.sub(box, "group", str(choice.get("group") or 1))
            if self.has_infinite and choice.get("infinite"):
                ctx.sub(box, "infinite", None)


@register
class GapSelect(_Gaps):
    name = "gapselect"
    label = gettext_lazy("选词填空")
    moodle_names = ("gapselect",)
    moodle_choice_tag = "selectoption"
    aliases = ("选词填空", "选词填空题")


@register
class DragDropText(_Gaps):
    name = "ddwtos"
    label = gettext_lazy("拖词填空")
    moodle_names = ("ddwtos",)
    moodle_choice_tag = "dragbox"
    aliases = ("拖词填空", "拖放填空")
    has_infinite = True
    editor_help = gettext_lazy(
        "每行一个选项，按顺序编号为 1、2、3…；题干中用 [[1]]、[[2]]… 标出空位，数字是该空正确选项的序号。\n"
        "选项可写成“文本 | 组号”（组号 1–8，不写即第 1 组），可用于多个空的选项再加“| 无限”。"
        "学员在手机上用下拉框为每个空选择。\n"
        "另起一行写“选项乱序：是”或“选项乱序：否”（不写即乱序）。\n"
        "例：题干“对违法行为可以处[[1]]；情节较重的，处[[1]]并处暂扣许可证件。”\n"
        "答案设置：\n罚款 | 1 | 无限\n警告\n记过"
    )
