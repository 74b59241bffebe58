"""Ordering (排序题): put the items in the right order, graded by one of Moodle qtype_ordering's methods.

Stored: ``options`` are the items in the RIGHT order, keyed A, B, C… (``{"key", "text", "shuffle": "always"}``:
every paper shuffles them, and the page never starts from the right order, see ``arrangement``);
``data`` is ``{"grading": <method>}``, one of ``GRADINGS`` (Moodle's names, e.g. ``ABSOLUTE_POSITION``).

The page lists the items; ↑/↓ buttons move them (``static/exams/qtypes.js``), and each position's hidden input
carries the display index of the item standing there, enabled once the learner has moved something. The page
sends the list of display indices in the learner's order (all items once); the attempt stores the item keys in
that order. Without JavaScript a ``<noscript>`` set of selects (第 1 位, 第 2 位…) sends the same list.

Grading follows Moodle's ``qtype_ordering_question::grade_response`` for every method (fraction =
correct count / count); an exam without partial credit gives full marks for the exact order only.
Moodle's subset selection (show only some of the items) has no equivalent here: a paper holds all of them.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import (
    LETTERS,
    PARTS,
    BadAnswer,
    PageItem,
    PageOption,
    PagePart,
    PartOutcome,
    QType,
    as_int,
    clamp,
)
from exams.qtypes.choice import add_error

MAX_ITEMS = len(LETTERS)
MIN_ITEMS = 2  # Moodle: notenoughanswers (2)

#: Moodle's grading methods (``<gradingtype>``) and their Chinese names (the first is what we show and write).
GRADINGS: dict[str, tuple[str, ...]] = {
    "ABSOLUTE_POSITION": ("按位置", "绝对位置", "位置正确", "ABS", "ABSOLUTE"),
    "ALL_OR_NOTHING": ("全对才得分", "全对", "全部正确"),
    "RELATIVE_NEXT_EXCLUDE_LAST": ("相邻关系", "相邻关系（不含末项）", "REL", "RELATIVE"),
    "RELATIVE_NEXT_INCLUDE_LAST": ("相邻关系（含末项）",),
    "RELATIVE_ONE_PREVIOUS_AND_NEXT": ("前后相邻项",),
    "RELATIVE_ALL_PREVIOUS_AND_NEXT": ("前后所有项",),
    "LONGEST_ORDERED_SUBSET": ("最长有序子序列",),
    "LONGEST_CONTIGUOUS_SUBSET": ("最长连续子序列",),
    "RELATIVE_TO_CORRECT": ("与正确位置的距离", "位置距离"),
}
#: Moodle's edit form default.
DEFAULT_GRADING = "ABSOLUTE_POSITION"
#: What Moodle's XML import uses when ``<gradingtype>`` is missing or unknown ('RELATIVE').
MOODLE_IMPORT_GRADING = "RELATIVE_NEXT_EXCLUDE_LAST"
GRADING_LINE_RE = re.compile(r"^\s*评分(?:方式|方法)\s*[:：]\s*(.*?)\s*$")


def _word(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(text))).casefold()


_BY_WORD = {_word(w): code for code, words in GRADINGS.items() for w in (code, *words)}


def grading_code(value) -> str | None:
    """A grading method as written (Moodle's name, an alias, a Chinese name) → Moodle's name; ``None`` if unknown."""
    if value is None or str(value).strip() == "":
        return None
    return _BY_WORD.get(_word(value))


def grading_label(code: str) -> str:
    return GRADINGS.get(code, GRADINGS[DEFAULT_GRADING])[0]


def grading_names() -> str:
    return "、".join(words[0] for words in GRADINGS.values())


# --- Moodle's grading, on lists of item keys ------------------------------------------------------


def _next_map(ids: list[str], include_last: bool) -> dict:
    """``get_next_answerids``: each item → the one after it (the last → None when included, else left out)."""
    result = {}
    if not ids:
        return result
    if include_last:
        nxt, upto = None, len(ids) - 1
    else:
        nxt, upto = ids[-1], len(ids) - 2
    for i in range(upto, -1, -1):
        result[ids[i]] = nxt
        nxt = ids[i]
    return result


def _prev_next(ids: list[str], every: bool) -> dict:
    """``get_previous_and_next_answerids``: each item → (items before, items after); one each (None at an end)
    or all of them."""
    result = {}
    before: list = []
    after = list(ids)
    while after:
        key = after.pop(0)
        if every:
            result[key] = (list(before), list(after))
        else:
            result[key] = ([before[0] if before else None], [after[0] if after else None])
        before.insert(0, key)
    return result


def _contiguous_runs(positions: list[int]) -> list[list[int]]:
    """``get_ordered_subsets(contiguous=true)``: runs of response places whose right positions follow one another."""
    subsets: list[list[int]] = []
    for place, value in enumerate(positions):
        extended = False
        for subset in subsets:
            if value == positions[subset[-1]] + 1:
                subset.append(place)
                extended = True
        if not extended:
            subsets.append([place])
    return subsets


def _longest_increasing(positions: list[int]) -> int:
    """The length of the longest strictly increasing subsequence: what Moodle's ``get_ordered_subsets``
    (non-contiguous) finds as its longest subset, without enumerating every subset (2ⁿ of them)."""
    best = [1] * len(positions)
    for i, value in enumerate(positions):
        for j in range(i):
            if positions[j] < value and best[j] + 1 > best[i]:
                best[i] = best[j] + 1
    return max(best, default=0)


def moodle_counts(method: str, correct: list[str], current: list[str]) -> tuple[int, int]:
    """(count correct, count of answers) as Moodle's ``grade_response`` counts them; the fraction is their ratio."""
    good = total = 0
    if method in ("ALL_OR_NOTHING", "ABSOLUTE_POSITION"):
        for position, key in enumerate(correct):
            if position < len(current) and current[position] == key:
                good += 1
            total += 1
        if method == "ALL_OR_NOTHING" and good < total:
            good = 0
    elif method in ("RELATIVE_NEXT_EXCLUDE_LAST", "RELATIVE_NEXT_INCLUDE_LAST"):
        last = method == "RELATIVE_NEXT_INCLUDE_LAST"
        now, right = _next_map(current, last), _next_map(correct, last)
        for key, nxt in right.items():
            if key in now and now[key] == nxt:
                good += 1
            total += 1
    elif method in ("RELATIVE_ONE_PREVIOUS_AND_NEXT", "RELATIVE_ALL_PREVIOUS_AND_NEXT"):
        now, right = (
            _prev_next(current, method.startswith("RELATIVE_ALL")),
            _prev_next(correct, method.startswith("RELATIVE_ALL")),
        )
        for key, (before, after) in right.items():
            if key in now:
                good += sum(1 for k in now[key][0] if k in before)
                good += sum(1 for k in now[key][1] if k in after)
            total += len(before) + len(after)
    elif method in ("LONGEST_ORDERED_SUBSET", "LONGEST_CONTIGUOUS_SUBSET"):
        positions = [correct.index(k) for k in current if k in correct]
        if method == "LONGEST_CONTIGUOUS_SUBSET":
            longest = max((len(s) for s in _contiguous_runs(positions)), default=0)
        else:
            longest = _longest_increasing(positions)
        good = longest if longest > 1 else 0  # Moodle ignores subsets of one item
        total = len(current)
    elif method == "RELATIVE_TO_CORRECT":
        count = len(correct) - 1
        for position, key in enumerate(correct):
            if key in current:
                score = count - abs(position - current.index(key))
                if score > 0:
                    good += score
            total += count
    return good, total


@register
class Ordering(QType):
    name = "ordering"
    label = gettext_lazy("排序题")
    answer_kind = PARTS
    moodle_names = ("ordering",)
    gift = False
    aiken = False
    xlsx = True
    xlsx_guide = (
        "选项A、选项B…按正确顺序填写各项（至少两项，不能重复），作答时打乱显示。答案可空；也可写评分方式"
        "（按位置、全对才得分、相邻关系等，见题库编辑页说明，默认按位置），或写正确顺序的字母（如 BCAD，"
        "此时选项可按任意顺序填写），两者可同时写，用“；”分隔。"
    )
    aliases = ("排序题", "排序")
    input_template = "exams/qtypes/ordering_input.html"
    review_template = "exams/qtypes/ordering_review.html"
    editor_fields = ("spec",)
    editor_help = gettext_lazy(
        "每行一项，按正确顺序从上到下书写（不要写序号），至少两项、不能重复；作答时各项打乱顺序显示。\n"
        "第一行可写评分方式，如“评分方式：相邻关系”；不写为“按位置”。可选：\n"
        "按位置（每项在正确位置上得一份分）、全对才得分、相邻关系（相邻两项先后正确各得一份，不含末项）、"
        "相邻关系（含末项）、前后相邻项、前后所有项、最长有序子序列、最长连续子序列、与正确位置的距离。\n"
        "考试设置为不给部分分时，只有顺序完全正确才得分。\n"
        "例：\n评分方式：按位置\n立案\n调查取证\n告知\n作出处罚决定\n送达"
    )

    # --- authoring -------------------------------------------------------------------

    def normalise(self, *, stem, options, accepted, data):
        items = []
        for i, option in enumerate(options):
            key = LETTERS[i] if i < MAX_ITEMS else f"#{i + 1}"
            items.append({"key": key, "text": " ".join(str(option.get("text", "")).split()), "shuffle": "always"})
        raw = (data or {}).get("grading")
        code = grading_code(raw) if raw not in (None, "") else DEFAULT_GRADING
        if code is None:
            raise ValueError(_("评分方式“%(v)s”无法识别，可选：%(all)s。") % {"v": raw, "all": grading_names()})
        return items, [], {"grading": code}

    def validate(self, *, stem, options, accepted, data, errors):
        if len(options) < MIN_ITEMS:
            add_error(errors, "options", _("排序题至少需要两项。"))
        if len(options) > MAX_ITEMS:
            add_error(errors, "options", _("排序题最多 %(n)s 项。") % {"n": MAX_ITEMS})
        texts = [o.get("text", "") for o in options]
        if any(not t for t in texts):
            add_error(errors, "options", _("排序题的各项不能为空。"))
        duplicates = sorted({t for t in texts if t and texts.count(t) > 1})
        if duplicates:
            add_error(errors, "options", _("排序题的各项不能重复：%(t)s。") % {"t": "、".join(duplicates)})
        if (data or {}).get("grading") not in GRADINGS:
            add_error(errors, "data", _("评分方式无效，可选：%(all)s。") % {"all": grading_names()})

    def editor_text(self, *, stem, options, accepted, data) -> str:
        head = _("评分方式：%(g)s") % {"g": grading_label((data or {}).get("grading", DEFAULT_GRADING))}
        return "\n".join([head, *(o.get("text", "") for o in options)])

    def parse_editor(self, text):
        items: list[tuple[int, str]] = []
        grading = None
        for number, line in enumerate((text or "").splitlines(), start=1):
            if not line.strip():
                continue
            match = GRADING_LINE_RE.match(line)
            if match:
                if items or grading is not None:
                    raise ValueError(_("第 %(n)s 行：评分方式只能写在第一行。") % {"n": number})
                grading = grading_code(match.group(1))
                if grading is None:
                    raise ValueError(
                        _("第 %(n)s 行：评分方式“%(v)s”无法识别，可选：%(all)s。")
                        % {"n": number, "v": match.group(1), "all": grading_names()}
                    )
                continue
            item = " ".join(line.split())
            for earlier, seen in items:
                if seen == item:
                    raise ValueError(
                        _("第 %(n)s 行“%(t)s”与第 %(m)s 行重复：排序题的各项不能重复。")
                        % {"n": number, "t": item, "m": earlier}
                    )
            items.append((number, item))
        if len(items) < MIN_ITEMS:
            raise ValueError(_("排序题至少需要两项，每行写一项。"))
        if len(items) > MAX_ITEMS:
            raise ValueError(_("第 %(n)s 行：排序题最多 %(max)s 项。") % {"n": items[MAX_ITEMS][0], "max": MAX_ITEMS})
        return [{"text": t} for _n, t in items], [], {"grading": grading or DEFAULT_GRADING}

    # --- the page ----------------------------------------------------------------------

    def arrangement(self, option_order: list[str], options: list[dict], response) -> list[int]:
        """The display indices in the order the page lists them: the learner's order once answered; else the
        frozen order, reversed if that happens to be the right one (the page never starts from the answer)."""
        shown = self.to_client(option_order, response)
        if shown is not None and len(shown) == len(option_order):
            return [int(i) for i in shown]
        indices = list(range(len(option_order)))
        right = [o["key"] for o in options if o.get("key") in option_order]
        if len(indices) > 1 and list(option_order) == right:
            indices.reverse()
        return indices

    def build_page(self, page: PageItem, *, option_order, options, response) -> None:
        texts = {o["key"]: o.get("text", "") for o in options}
        client = self.to_client(option_order, response)
        for position, index in enumerate(self.arrangement(option_order, options, response)):
            page.parts.append(
                PagePart(
                    index=position,
                    label=texts.get(option_order[index], ""),
                    text=str(index),
                    widget="ordering",
                    choices=[
                        PageOption(index=i, label="", text=texts.get(key, ""), chosen=client is not None and i == index)
                        for i, key in enumerate(option_order)
                    ],
                )
            )
        page.client_response = client

    def from_client(self, option_order, raw):
        if raw is None or raw == "" or raw == []:
            return None
        if not isinstance(raw, list) or len(raw) > len(option_order):
            raise BadAnswer
        if all(v is None or v == "" for v in raw):
            return None  # the selects of the page without JavaScript, all left at 请选择
        indices = [as_int(v) for v in raw]
        if (
            len(indices) != len(option_order)
            or any(i is None or not 0 <= i < len(option_order) for i in indices)
            or len(set(indices)) != len(indices)
        ):
            raise BadAnswer(message=_("排序题要把每一项各排在一个位置上，不能空缺或重复。"))
        return [option_order[i] for i in indices]

    def to_client(self, option_order, response):
        if not isinstance(response, list) or not response:
            return None
        return [str(option_order.index(k)) for k in response if k in option_order] or None

    def reveal(self, page, *, option_order, options, accepted, data):
        right = [o.get("text", "") for o in options]
        answered = page.client_response is not None
        for part in page.parts:
            part.correct_text = right[part.index] if part.index < len(right) else ""
            part.right = (part.label == part.correct_text) if answered else None
        page.accepted_answers = []

    def key_text(self, *, option_order, options, accepted, data) -> str:
        order = " → ".join(o.get("text", "") for o in options)
        return f"{order}（{grading_label((data or {}).get('grading', DEFAULT_GRADING))}）"

    # --- grading ----------------------------------------------------------------------

    def _orders(self, options, response) -> tuple[list[str], list[str]]:
        correct = [o["key"] for o in options]
        current = []
        for key in response if isinstance(response, list) else []:
            if key in correct and key not in current:
                current.append(key)
        return correct, current

    def score(self, *, options, accepted, data, response, partial_credit):
        correct, current = self._orders(options, response)
        if not current or len(correct) < 2:
            return Decimal(0)
        if not partial_credit:
            return Decimal(1) if current == correct else Decimal(0)
        good, total = moodle_counts((data or {}).get("grading", DEFAULT_GRADING), correct, current)
        return clamp(Decimal(good) / Decimal(total)) if total else Decimal(0)

    def part_outcomes(self, *, options, accepted, data, response) -> list[PartOutcome]:
        """Each item: right when it stands in its right place (Moodle's ``classify_response``)."""
        correct, current = self._orders(options, response)
        outcomes = []
        for position, option in enumerate(options):
            placed = current.index(option["key"]) if option["key"] in current else None
            outcomes.append(
                PartOutcome(
                    option.get("text", ""),
                    Decimal(1) if placed == position else Decimal(0),
                    _("第 %(n)s 位") % {"n": placed + 1} if placed is not None else "",
                )
            )
        return outcomes

    # --- Excel -------------------------------------------------------------------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, OPTION_LETTERS

        texts = [(letter, row.get(f"选项{letter}", "").strip()) for letter in OPTION_LETTERS]
        last = max((i for i, (_l, t) in enumerate(texts) if t), default=-1)
        texts = texts[: last + 1]
        gaps = [letter for letter, text in texts if not text]
        if gaps:
            error(f"选项{gaps[0]}", _("选项不能空缺（后面的选项有内容）。"))
            return False
        if len(texts) < MIN_ITEMS:
            error("选项A", _("排序题至少需要两项：在选项A、选项B…中按正确顺序填写各项。"))
            return False
        letters, grading = "", None
        for token in re.split(r"[；;，,、\s]+", answer):
            if not token:
                continue
            if re.fullmatch(r"[A-Za-z]+", token) and grading_code(token) is None:
                letters += token.upper()
            elif grading is None and grading_code(token):
                grading = grading_code(token)
            else:
                error(
                    COL_ANSWER,
                    _("“%(v)s”不是评分方式，也不是选项字母的顺序；可空，或写评分方式（%(all)s），或写正确顺序如 BCAD。")
                    % {"v": token, "all": grading_names()},
                )
                return False
        by_letter = dict(texts)
        if letters:
            if sorted(letters) != sorted(by_letter) or len(set(letters)) != len(letters):
                error(
                    COL_ANSWER,
                    _("正确顺序“%(a)s”应把 %(all)s 每个字母各写一次。") % {"a": letters, "all": "".join(by_letter)},
                )
                return False
            texts = [(letter, by_letter[letter]) for letter in letters]
        draft.options = [{"text": text} for _letter, text in texts]
        draft.data = {"grading": grading or DEFAULT_GRADING}
        return True

    def write_xlsx(self, version):
        grading = (version.data or {}).get("grading", DEFAULT_GRADING)
        return [o["text"] for o in version.options], grading_label(grading)

    # --- Moodle XML -----------------------------------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        answers = element.findall("answer")
        items = []
        for answer in answers:
            text = " ".join(ctx.option_text(answer).split())
            if text:  # Moodle drops blank items when it saves the question
                items.append((answer, text))
        fractions = [ctx.decimal(a.get("fraction", "")) for a, _t in items]
        if None not in fractions and len(set(fractions)) == len(fractions) and fractions != sorted(fractions):
            ctx.warn(
                _("各项的 fraction 编号与它们在文件中的先后不一致；按 Moodle 的做法，以文件中的先后为正确顺序。"),
                line=element.line,
            )
        if len(items) < MIN_ITEMS:
            ctx.error(_("排序题至少需要两项，文件中只有 %(n)s 项。") % {"n": len(items)}, line=element.line)
            return False
        if len(items) > MAX_ITEMS:
            ctx.error(
                _("排序题最多 %(max)s 项，文件中有 %(n)s 项。") % {"max": MAX_ITEMS, "n": len(items)}, line=element.line
            )
            return False
        draft.options = [{"text": t} for _a, t in items]
        self._read_moodle_settings(element, draft, ctx, len(items))
        return True

    def _read_moodle_settings(self, element, draft, ctx, count: int) -> None:
        def value(tag: str, default: str) -> str:
            node = element.find(tag)
            return (node.text or "").strip() if node is not None else default

        raw = value("gradingtype", "RELATIVE")
        grading = grading_code(raw) if re.fullmatch(r"[A-Za-z_]+", raw or "") else None
        if grading is None:
            grading = MOODLE_IMPORT_GRADING
            ctx.warn(
                _("评分方式（gradingtype）“%(v)s”无法识别，按 Moodle 的做法使用“%(g)s”。")
                % {"v": raw, "g": grading_label(grading)},
                line=element.line,
            )
        draft.data = {"grading": grading}
        # Moodle's start_attempt: a subset when selecttype is not ALL and fewer than all items are to be shown.
        legacy = element.find("selecttype") is None
        select = value("logical" if legacy else "selecttype", "RANDOM").upper()
        raw_count = value("studentsee" if legacy else "selectcount", "6")
        shown = int(raw_count) if raw_count.isdigit() and int(raw_count) >= MIN_ITEMS else MIN_ITEMS
        if select not in ("ALL", "EXACT") and min(shown, count) < count:
            ctx.warn(
                _(
                    "原题每次只抽取其中 %(k)s 项作答（selecttype=%(s)s）；本平台的试卷一次固定下来，无法每次抽取不同的项，"
                    "已导入全部 %(n)s 项，每次作答全部排序。"
                )
                % {"k": min(shown, count), "s": select or "RANDOM", "n": count},
                line=element.line,
            )
        if value("layouttype", "VERTICAL").upper() in ("HORIZONTAL", "HORI", "H", "1"):
            ctx.warn(
                _("原题各项横向排列（layouttype=HORIZONTAL）；本平台为适应手机，各项一律竖向排列。"), line=element.line
            )
        numbering = value("numberingstyle", "none")
        if numbering in ("abc", "ABCD", "iii", "IIII"):
            ctx.warn(
                _("原题的编号样式（numberingstyle=%(v)s）未保留；本平台以 1、2、3 标出各项的位置。") % {"v": numbering},
                line=element.line,
            )
        if value("showgrading", "1").upper() not in ("HIDE", "FALSE", "NO", "0"):
            ctx.warn(
                _(
                    "原题向学员显示评分细节（showgrading）；本平台结果页显示得分、学员的顺序和正确顺序，不显示评分细节。"
                ),
                line=element.line,
            )

    def write_moodle(self, node, version, ctx) -> None:
        grading = (version.data or {}).get("grading", DEFAULT_GRADING)
        for tag, text in (
            ("layouttype", "VERTICAL"),
            ("selecttype", "ALL"),
            ("selectcount", str(len(version.options))),
            ("gradingtype", grading),
            ("showgrading", "HIDE"),
            ("numberingstyle", "123"),
        ):
            ctx.sub(node, tag, text)
        for position, option in enumerate(version.options, start=1):
            answer = ctx.answer(node, option["text"], Decimal(0), fmt="plain_text")
            answer.set("fraction", f"{position}.0000000")  # Moodle's ordering keeps each item's position here
