"""Single choice, multiple choice and true/false: options with Moodle fractions."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import (
    CHOICE,
    CHOICES,
    FRACTION_TOLERANCE,
    LETTERS,
    BadAnswer,
    PageItem,
    PageOption,
    QType,
    answer_keys,
    as_int,
    clamp,
    option_fraction,
)

OPTION_KEYS = LETTERS
TRUEFALSE_TEXT = {"T": "正确", "F": "错误"}
FRACTION_PLACES = Decimal("0.0000001")


def fraction_str(value: Decimal) -> str:
    """Canonical text of a fraction ("1", "0.5", "-1", "0.3333333")."""
    value = Decimal(value).quantize(FRACTION_PLACES, rounding=ROUND_HALF_UP).normalize()
    text = format(value, "f")
    return "0" if text in ("-0", "0") else text


def truefalse_options(correct: bool) -> list[dict]:
    return [
        {"key": "T", "text": TRUEFALSE_TEXT["T"], "correct": correct, "fraction": "1" if correct else "0"},
        {"key": "F", "text": TRUEFALSE_TEXT["F"], "correct": not correct, "fraction": "0" if correct else "1"},
    ]


def as_fraction(value) -> Decimal | None:
    """A raw fraction (text or number) as a Decimal; ``ValueError`` names it when it is not a number."""
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValueError(_("选项的得分比例“%(v)s”不是数字。") % {"v": value}) from None


def add_error(errors: dict, name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


class _Options(QType):
    """What the three option types share: a page of labelled options, read back as display indices."""

    input_template = "exams/qtypes/choice_input.html"
    review_template = "exams/qtypes/choice_review.html"
    xlsx = True

    def build_page(self, page: PageItem, *, option_order, options, response) -> None:
        texts = {o["key"]: o.get("text", "") for o in options}
        chosen = self.to_client(option_order, response)
        chosen_set = set(chosen if isinstance(chosen, list) else ([] if chosen is None else [chosen]))
        page.options = [
            PageOption(
                index=i,
                label=LETTERS[i] if i < len(LETTERS) else str(i + 1),
                text=texts.get(key, ""),
                chosen=i in chosen_set,
            )
            for i, key in enumerate(option_order)
        ]
        page.client_response = chosen

    def _picked(self, option_order, raw) -> list[str]:
        picked = []
        for value in raw if isinstance(raw, list) else [raw]:
            index = as_int(value)
            if index is None or not 0 <= index < len(option_order) or option_order[index] in picked:
                raise BadAnswer
            picked.append(option_order[index])
        return picked

    def from_client(self, option_order, raw):
        if raw is None or raw == "" or raw == []:
            return None
        picked = self._picked(option_order, raw)
        if len(picked) != 1:
            raise BadAnswer
        return picked[0]

    def to_client(self, option_order, response):
        if response is None:
            return None
        indices = [option_order.index(k) for k in answer_keys(response) if k in option_order]
        return indices[0] if indices else None

    def reveal(self, page, *, option_order, options, accepted, data):
        correct = {o["key"] for o in options if o.get("correct")}
        for option in page.options:
            option.correct = option_order[option.index] in correct
        page.accepted_answers = []

    def key_text(self, *, option_order, options, accepted, data) -> str:
        correct = {o["key"] for o in options if o.get("correct")}
        return "".join(LETTERS[i] for i, key in enumerate(option_order) if key in correct)

    def score(self, *, options, accepted, data, response, partial_credit):
        by_key = {o["key"]: o for o in options}
        chosen = set(answer_keys(response))
        if not chosen or not chosen <= by_key.keys():
            return Decimal("0")
        return self._score(by_key, chosen, {k for k, o in by_key.items() if o.get("correct")}, partial_credit)

    def _score(self, by_key, chosen, correct, partial_credit):
        if len(chosen) != 1:
            return Decimal("0")
        (key,) = chosen
        if key in correct:
            return Decimal("1")
        return clamp(option_fraction(by_key[key])) if partial_credit else Decimal("0")

    # --- authoring: A, B, … with fractions ----------------------------------------

    def normalise(self, *, stem, options, accepted, data):
        items = []
        for option in options:
            fraction = as_fraction(option.get("fraction"))
            correct = bool(option.get("correct")) if fraction is None else fraction > 0
            if self.name == "single" and fraction is not None:
                correct = fraction >= 1 - FRACTION_TOLERANCE
            items.append({"text": str(option.get("text", "")).strip(), "correct": correct, "fraction": fraction})
        k = sum(1 for o in items if o["correct"])
        result = []
        for i, option in enumerate(items):
            fraction = option["fraction"]
            if fraction is None:
                fraction = self._default_fraction(option["correct"], k)
            key = OPTION_KEYS[i] if i < len(OPTION_KEYS) else f"#{i + 1}"
            result.append(
                {"key": key, "text": option["text"], "correct": option["correct"], "fraction": fraction_str(fraction)}
            )
        return result, [], {}

    def _default_fraction(self, correct: bool, k: int) -> Decimal:
        return Decimal(1) if correct else Decimal(0)

    def validate(self, *, stem, options, accepted, data, errors):
        if len(options) < 2:
            add_error(errors, "options", _("至少需要两个选项。"))
        if len(options) > len(OPTION_KEYS):
            add_error(errors, "options", _("选项不能超过 26 个。"))
        texts = [o["text"] for o in options]
        if any(not t for t in texts):
            add_error(errors, "options", _("选项内容不能为空。"))
        duplicates = sorted({t for t in texts if t and texts.count(t) > 1})
        if duplicates:
            add_error(errors, "options", _("选项重复：%(t)s。") % {"t": "、".join(duplicates)})
        fractions = [Decimal(o["fraction"]) for o in options]
        if any(f > 1 or f < -1 for f in fractions):
            add_error(errors, "options", _("选项的得分比例应在 -100% 到 100% 之间。"))
        if not [o for o in options if o["correct"]]:
            add_error(errors, "options", _("没有正确选项。"))

    # --- Excel ------------------------------------------------------------------------

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import read_choice

        return read_choice(row, self.name, answer, draft, error)

    def write_xlsx(self, version):
        return [o["text"] for o in version.options], "".join(o["key"] for o in version.options if o["correct"])

    # --- GIFT ---------------------------------------------------------------------------

    def write_gift(self, version, *, head, general, ctx):
        body = [head + "{"]
        for option in version.options:
            fraction = Decimal(option["fraction"])
            if self.name == "single" and fraction == 1:
                mark = "="
            elif fraction == 0:
                mark = "~"
            else:
                mark = f"~%{ctx.percent(fraction)}%"
            body.append(f"\t{mark}[plain]{ctx.repchar(option['text'])}")
        if general:
            body.append("\t" + general)
        body.append("}")
        return body

    # --- Moodle XML -----------------------------------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        single = ctx.flag(element, "single", True)  # Moodle's import: a missing <single> is single choice
        draft.qtype = "single" if single else "multiple"
        if not ctx.flag(element, "shuffleanswers", True):
            ctx.warn(
                _("原题要求选项保持原顺序（shuffleanswers=0）；本平台按试卷设置打乱选项，“以上都对”一类选项请改写。"),
                line=element.line,
            )
        ok = True
        for answer in element.findall("answer"):
            fraction = ctx.fraction(answer)
            ok = ok and fraction is not None
            draft.options.append({"text": ctx.option_text(answer), "fraction": fraction if fraction is not None else 0})
        if single and any(Decimal(o["fraction"]) < 0 for o in draft.options):
            ctx.warn(_("单选题的负分选项按 0 分计（本平台单题得分不为负）。"), line=element.line)
        if ok:
            ctx.normalise_multiple_fractions(draft, line=element.line)
        return ok

    def write_moodle(self, node, version, ctx) -> None:
        ctx.sub(node, "single", "true" if self.name == "single" else "false")
        ctx.sub(node, "shuffleanswers", "true")
        ctx.sub(node, "answernumbering", "ABCD")
        for option in version.options:
            ctx.answer(node, option["text"], Decimal(option["fraction"]), fmt="plain_text")


@register
class SingleChoice(_Options):
    name = "single"
    label = gettext_lazy("单选题")
    answer_kind = CHOICE
    shuffle_on_request = True
    moodle_names = ("multichoice",)
    gift = True
    aiken = True
    aliases = ("单选题", "单选", "单项选择题")
    editor_fields = ("options",)


@register
class MultipleChoice(_Options):
    name = "multiple"
    label = gettext_lazy("多选题")
    answer_kind = CHOICES
    shuffle_on_request = True
    moodle_names = ("multichoice",)
    gift = True
    aiken = False
    aliases = ("多选题", "多选", "多项选择题")
    editor_fields = ("options",)

    def _default_fraction(self, correct: bool, k: int) -> Decimal:
        # 1/k for each of the k correct options and -1 for each wrong one: under partial credit a wrong pick
        # zeroes the question (the usual “少选得部分分，错选不得分”, in Moodle's terms).
        return (Decimal(1) / k) if correct and k else Decimal(-1)

    def validate(self, *, stem, options, accepted, data, errors):
        super().validate(stem=stem, options=options, accepted=accepted, data=data, errors=errors)
        if not [o for o in options if o["correct"]]:
            return
        fractions = [Decimal(o["fraction"]) for o in options]
        total = sum((f for f in fractions if f > 0), Decimal(0))
        if abs(total - 1) > FRACTION_TOLERANCE * len(options):
            add_error(
                errors,
                "options",
                _("正确选项的得分比例之和应为 100%%，现在是 %(t)s%%。") % {"t": fraction_str(total * 100)},
            )

    def from_client(self, option_order, raw):
        if raw is None or raw == "" or raw == []:
            return None
        return sorted(self._picked(option_order, raw))

    def to_client(self, option_order, response):
        if response is None:
            return None
        return [option_order.index(k) for k in answer_keys(response) if k in option_order]

    def _score(self, by_key, chosen, correct, partial_credit):
        if not partial_credit:
            return Decimal("1") if chosen == correct else Decimal("0")
        return clamp(sum((option_fraction(by_key[k]) for k in chosen), Decimal("0")))


@register
class TrueFalse(_Options):
    name = "truefalse"
    label = gettext_lazy("判断题")
    answer_kind = CHOICE
    moodle_names = ("truefalse",)
    gift = True
    aiken = False
    aliases = ("判断题", "判断")
    editor_fields = ("truefalse",)

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, FALSE_WORDS, TRUE_WORDS

        word = answer.upper()
        draft.options = [{"key": "T", "correct": word in TRUE_WORDS}, {"key": "F", "correct": word in FALSE_WORDS}]
        if word not in TRUE_WORDS | FALSE_WORDS:
            error(COL_ANSWER, _("判断题的答案应为“正确”或“错误”，现为“%(v)s”。") % {"v": answer})
            return False
        return True

    def write_gift(self, version, *, head, general, ctx):
        correct_t = any(o["key"] == "T" and o["correct"] for o in version.options)
        return [head + "{" + ("TRUE" if correct_t else "FALSE") + general + "}"]

    def write_xlsx(self, version):
        return [], "正确" if any(o["key"] == "T" and o["correct"] for o in version.options) else "错误"

    def normalise(self, *, stem, options, accepted, data):
        correct_t = next((bool(o.get("correct")) for o in options if o.get("key") == "T"), None)
        if correct_t is None:
            correct_t = not next((bool(o.get("correct")) for o in options if o.get("key") == "F"), True)
        return truefalse_options(correct_t), [], {}

    def validate(self, *, stem, options, accepted, data, errors):
        pass  # ``normalise`` always makes the two options, one of them right

    def key_text(self, *, option_order, options, accepted, data) -> str:
        correct = {o["key"] for o in options if o.get("correct")}
        return _("正确") if "T" in correct else _("错误")

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        correct = None
        for index, answer in enumerate(element.findall("answer")[:2]):
            shown = ctx.plain(answer).strip()
            text = shown.lower()
            value = ctx.decimal(answer.get("fraction", "0"))
            if text not in ("true", "正确", "对", "false", "错误", "错"):
                # Moodle reads an old file's answers in order, true then false, and warns.
                ctx.warn(
                    _(
                        "判断题的答案“%(a)s”不是 true 或 false，按 Moodle 的做法把第一个答案当作“正确”、第二个当作“错误”。"
                    )
                    % {"a": shown},
                    line=answer.line,
                )
                text = "true" if index == 0 else "false"
            if text in ("true", "正确", "对") and value and value > 0:
                correct = True
            elif text in ("false", "错误", "错") and value and value > 0:
                correct = False
        if correct is None:
            ctx.error(_("判断题没有标明正确答案（true 或 false 的分数应为 100）。"), line=element.line)
            return False
        draft.options = [{"key": "T", "correct": correct}, {"key": "F", "correct": not correct}]
        return True

    def write_moodle(self, node, version, ctx) -> None:
        correct_t = any(o["key"] == "T" and o["correct"] for o in version.options)
        for text, is_true in (("true", True), ("false", False)):
            ctx.answer(node, text, Decimal(1 if correct_t == is_true else 0), fmt="moodle_auto_format")
