"""Typed answers: fill-in-the-blank (graded against accepted answers) and short answer (graded by a person)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from exams.qtypes import register
from exams.qtypes.base import TEXT, BadAnswer, PageItem, QType, answer_keys, normalise_fill
from exams.qtypes.choice import add_error


class _Typed(QType):
    answer_kind = TEXT
    input_template = "exams/qtypes/text_input.html"
    review_template = "exams/qtypes/text_review.html"

    def freeze(self, options, *, shuffle_options, rng):
        return []

    def build_page(self, page: PageItem, *, option_order, options, response) -> None:
        page.text = response or ""
        page.client_response = response or None

    def write_xlsx(self, version):
        return [], "|".join(version.accepted_answers)

    def from_client(self, option_order, raw):
        if raw is None or raw == "":
            return None
        if not isinstance(raw, str):
            raise BadAnswer
        text = raw.strip()
        if len(text) > self.max_chars:
            raise BadAnswer(too_long=self.max_chars)
        return text or None

    def to_client(self, option_order, response):
        return response


@register
class Fill(_Typed):
    name = "fill"
    label = gettext_lazy("填空题")
    max_chars = 500
    moodle_names = ("shortanswer",)
    gift = True
    aliases = ("填空题", "填空")
    editor_fields = ("accepted",)

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER, FILL_SPLIT_RE

        draft.accepted_answers = [a.strip() for a in FILL_SPLIT_RE.split(row.get(COL_ANSWER, "")) if a.strip()]
        if not draft.accepted_answers:
            error(COL_ANSWER, _("填空题需要答案，多个可接受的答案用 | 分隔。"))
            return False
        return True

    def normalise(self, *, stem, options, accepted, data):
        answers, seen = [], set()
        for answer in accepted:
            text = str(answer).strip()
            key = normalise_fill(text)
            if text and key not in seen:
                seen.add(key)
                answers.append(text)
        return [], answers, {}

    def validate(self, *, stem, options, accepted, data, errors):
        if not [a for a in accepted if normalise_fill(a)]:
            add_error(errors, "accepted_answers", _("填空题至少需要一个参考答案。"))

    def score(self, *, options, accepted, data, response, partial_credit):
        given = normalise_fill(response if isinstance(response, str) else " ".join(answer_keys(response)))
        return Decimal("1") if given and given in {normalise_fill(a) for a in accepted} else Decimal("0")

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        if ctx.text(element, "usecase").strip() == "1":
            ctx.warn(_("原题区分大小写，本平台判分不区分大小写与全角半角。"), line=element.line)
        ok = True
        for answer in element.findall("answer"):
            text = ctx.text(answer).strip()  # Moodle keeps short-answer answers as plain text
            fraction = ctx.fraction(answer)
            if fraction is None:
                ok = False
                continue
            if fraction > 0 and "*" in text.replace("\\*", ""):
                ctx.warn(_("含通配符 * 的答案“%(a)s”无法表示，已忽略。") % {"a": text}, line=answer.line)
            elif fraction < 1:
                if fraction > 0:
                    ctx.warn(
                        _("部分得分的答案“%(a)s”（%(p)s%%）无法表示，已忽略（只保留满分答案）。")
                        % {"a": text, "p": ctx.percent(fraction)},
                        line=answer.line,
                    )
            elif text:
                draft.accepted_answers.append(text.replace("\\*", "*"))
        return ok

    def write_gift(self, version, *, head, general, ctx):
        answers = " ".join("=" + ctx.repchar(a.replace("*", "\\*")) for a in version.accepted_answers)
        return [head + "{" + answers + general + "}"]

    def write_moodle(self, node, version, ctx) -> None:
        ctx.sub(node, "usecase", "0")
        for accepted in version.accepted_answers:
            ctx.answer(node, accepted.replace("*", "\\*"), Decimal(1), fmt="plain_text")


@register
class Short(_Typed):
    name = "short"
    label = gettext_lazy("简答题")
    manual = True
    max_chars = 10_000
    moodle_names = ("essay",)
    gift = True
    aliases = ("简答题", "简答", "问答题")

    def read_xlsx(self, row, answer, draft, error) -> bool:
        from exams.formats.xlsx import COL_ANSWER

        reference = row.get(COL_ANSWER, "").strip()
        draft.accepted_answers = [reference] if reference else []
        return True

    input_template = "exams/qtypes/short_input.html"
    editor_fields = ("accepted",)

    def normalise(self, *, stem, options, accepted, data):
        answers = [str(a).strip() for a in accepted if str(a).strip()]
        return [], list(dict.fromkeys(answers)), {}

    def validate(self, *, stem, options, accepted, data, errors):
        if len(accepted) > 1:
            add_error(errors, "accepted_answers", _("简答题只能有一个参考答案。"))

    def write_gift(self, version, *, head, general, ctx):
        return [head + "{" + general + "}"]

    def key_text(self, *, option_order, options, accepted, data) -> str:
        return _("人工评分") + ("：" + accepted[0] if accepted else "")

    def score(self, *, options, accepted, data, response, partial_credit):
        return None

    def read_moodle(self, element, draft, ctx) -> bool:
        draft.qtype = self.name
        grader = element.find("graderinfo")
        raw = ctx.text(grader)
        plain = ctx.format(grader) == "plain_text"
        info = raw.strip() if plain else ctx.plain(grader)
        lost = [] if plain else ctx.lost_markup(raw)
        if lost:
            ctx.warn(
                _("评分参考（graderinfo）中的%(what)s无法保留，仅导入文字。") % {"what": "、".join(lost)},
                line=grader.line,
            )
        if ctx.text(element, "responseformat").strip() == "noinline":
            ctx.warn(
                _("原题只收附件、不要求输入文字（responseformat=noinline）；本平台简答题以文字作答。"),
                line=element.line,
            )
        if info:
            draft.accepted_answers = [info]
        if ctx.plain(element.find("responsetemplate")):
            ctx.warn(_("作答模板（responsetemplate）无法保留，已忽略。"), line=element.line)
        if ctx.text(element, "attachments").strip() not in ("", "0"):
            ctx.warn(_("本平台简答题不接受附件，附件设置已忽略。"), line=element.line)
        return True

    def write_moodle(self, node, version, ctx) -> None:
        for tag, value in (
            ("responseformat", "editor"),
            ("responserequired", "1"),
            ("responsefieldlines", "10"),
            ("attachments", "0"),
        ):
            ctx.sub(node, tag, value)
        ctx.plain_child(node, "graderinfo", (version.accepted_answers or [""])[0])
