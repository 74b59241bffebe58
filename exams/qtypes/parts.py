"""What multi-part types share (matching, select-the-missing-words, drag-into-text, cloze): answer part by part.

The parts live in the version's options, so that a paper freezes them like any option (one list of
keys, drawn in one statement by PostgreSQL) and the save path knows a question's parts from its
frozen order alone:

* a **part** is an option keyed ``P<n>.<group>`` (answered with a choice of choice group ``<group>``)
  or ``P<n>.t`` (typed), in group 0: ``{"key": "P1.1", "text": label, "answer": "C1.2"}`` or
  ``{"key": "P2.t", "text": label, ...the type's own keys for checking typed text}``; it may carry a
  ``weight`` (default 1);
* a **choice** is an option keyed ``C<group>.<n>`` in group ``<group>``: ``{"key": "C1.2", "text": …}``.

The page shows the parts in their frozen order, each with its group's choices in their frozen order;
the page sends one value per part (the choice's display index within its group, or the text), and
the attempt stores ``{part key: choice key or text}`` (parts left empty are absent; nothing at all is
``None``). Grading scores each part (``part_fraction``) and weighs them; all-or-nothing gives full
marks only when every part is right.
"""

from __future__ import annotations

from decimal import Decimal

from exams.qtypes.base import (
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

MAX_PART_CHARS = 200


def part_group(key: str) -> str | None:
    """``"P3.2"`` → ``"2"``; ``"P3.t"`` → ``"t"``; ``None`` for a key that is not a part's."""
    if not key.startswith("P") or "." not in key:
        return None
    return key.split(".", 1)[1]


def choice_group(key: str) -> str | None:
    if not key.startswith("C") or "." not in key:
        return None
    return key[1:].split(".", 1)[0]


def split_order(option_order: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """The part keys in page order, and each choice group's keys in page order."""
    parts, groups = [], {}
    for key in option_order:
        if part_group(key) is not None:
            parts.append(key)
        else:
            group = choice_group(key)
            if group is not None:
                groups.setdefault(group, []).append(key)
    return parts, groups


class PartsType(QType):
    answer_kind = PARTS
    input_template = "exams/qtypes/parts_input.html"
    review_template = "exams/qtypes/parts_review.html"
    #: How the page shows a choice part (``select`` on phones; ``radio`` for cloze's vertical/horizontal kinds).
    default_widget = "select"

    # --- reading answers back --------------------------------------------------------

    def from_client(self, option_order, raw):
        if raw is None or raw == "" or raw == []:
            return None
        if not isinstance(raw, list):
            raise BadAnswer
        parts, groups = split_order(option_order)
        if len(raw) > len(parts):
            raise BadAnswer
        stored = {}
        for key, value in zip(parts, raw, strict=False):
            if value is None or value == "":
                continue
            group = part_group(key)
            if group == "t":
                if not isinstance(value, str):
                    raise BadAnswer
                text = value.strip()
                if len(text) > MAX_PART_CHARS:
                    raise BadAnswer(too_long=MAX_PART_CHARS)
                if text:
                    stored[key] = text
                continue
            index = as_int(value)
            choices = groups.get(group, [])
            if index is None or not 0 <= index < len(choices):
                raise BadAnswer
            stored[key] = choices[index]
        return stored or None

    def to_client(self, option_order, response):
        if not isinstance(response, dict) or not response:
            return None
        parts, groups = split_order(option_order)
        values = []
        for key in parts:
            value = response.get(key)
            if value is None:
                values.append("")
            elif part_group(key) == "t":
                values.append(str(value))
            else:
                choices = groups.get(part_group(key), [])
                values.append(str(choices.index(value)) if value in choices else "")
        return values if any(values) else None

    # --- the page -------------------------------------------------------------------

    def part_label(self, number: int, option: dict) -> str:
        """How a part is named on the page: its own text (a matching stem), else （1）, （2）…"""
        return option.get("text") or f"（{number}）"

    def part_widget(self, option: dict) -> str:
        if part_group(option["key"]) == "t":
            return "text"
        return option.get("widget") or self.default_widget

    def build_page(self, page: PageItem, *, option_order, options, response) -> None:
        by_key = {o["key"]: o for o in options}
        parts, groups = split_order(option_order)
        answer = response if isinstance(response, dict) else {}
        for number, key in enumerate(parts, start=1):
            option = by_key.get(key, {"key": key})
            part = PagePart(index=number - 1, label=self.part_label(number, option), widget=self.part_widget(option))
            if part_group(key) == "t":
                part.typed = True
                part.text = str(answer.get(key) or "")
                part.inputmode = "decimal" if option.get("kind") == "numerical" else ""
            else:
                chosen = answer.get(key)
                part.choices = [
                    PageOption(index=i, label="", text=by_key.get(c, {}).get("text", ""), chosen=c == chosen)
                    for i, c in enumerate(groups.get(part_group(key), []))
                ]
            page.parts.append(part)
        page.client_response = self.to_client(option_order, response)

    def reveal(self, page, *, option_order, options, accepted, data):
        by_key = {o["key"]: o for o in options}
        parts, groups = split_order(option_order)
        for part, key in zip(page.parts, parts, strict=False):
            option = by_key.get(key, {})
            part.correct_text = self.correct_text(option, by_key)
            if part.typed:
                value = part.text or None
            else:
                chosen = [c.index for c in part.choices if c.chosen]
                value = groups.get(part_group(key), [])[chosen[0]] if chosen else None
            part.right = value is not None and self.part_fraction(option, value, by_key) >= 1
        page.accepted_answers = []

    def correct_text(self, part_option: dict, by_key: dict) -> str:
        """The right answer of a part, as the result page shows it."""
        answer = part_option.get("answer")
        return by_key.get(answer, {}).get("text", "") if answer else ""

    def key_text(self, *, option_order, options, accepted, data) -> str:
        by_key = {o["key"]: o for o in options}
        parts, _groups = split_order([o["key"] for o in options])
        return "；".join(
            f"{self.part_label(n, by_key[k])}→{self.correct_text(by_key[k], by_key)}" for n, k in enumerate(parts, 1)
        )

    # --- grading ----------------------------------------------------------------------

    def part_fraction(self, part_option: dict, value, by_key: dict) -> Decimal:
        """What one part's answer (a choice key or typed text, ``None`` when empty) earns, 0..1."""
        return Decimal(1) if value is not None and value == part_option.get("answer") else Decimal(0)

    def _weighted(self, options, response) -> list[tuple[dict, Decimal, Decimal, object]]:
        by_key = {o["key"]: o for o in options}
        answer = response if isinstance(response, dict) else {}
        rows = []
        for option in options:
            if part_group(option["key"]) is None:
                continue
            value = answer.get(option["key"])
            weight = Decimal(str(option.get("weight", 1)))
            rows.append((option, weight, clamp(self.part_fraction(option, value, by_key)), value))
        return rows

    def score(self, *, options, accepted, data, response, partial_credit):
        rows = self._weighted(options, response)
        total = sum((w for _o, w, _f, _v in rows), Decimal(0))
        if not rows or total <= 0:
            return Decimal(0)
        if not partial_credit:
            return Decimal(1) if all(f >= 1 for _o, _w, f, _v in rows) else Decimal(0)
        return clamp(sum((w * f for _o, w, f, _v in rows), Decimal(0)) / total)

    def part_outcomes(self, *, options, accepted, data, response) -> list[PartOutcome]:
        by_key = {o["key"]: o for o in options}
        outcomes = []
        for number, (option, _w, fraction, value) in enumerate(self._weighted(options, response), start=1):
            shown = (
                by_key.get(value, {}).get("text", "") if isinstance(value, str) and value in by_key else (value or "")
            )
            outcomes.append(PartOutcome(self.part_label(number, option), fraction, str(shown)))
        return outcomes
