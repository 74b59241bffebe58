"""Moodle XML (https://docs.moodle.org/en/Moodle_XML_format): import and export.

Parsing goes through defusedxml with DTDs forbidden: a Moodle export never has
one, and refusing them refuses external entities (XXE) and entity-expansion
bombs before any entity is expanded.

Mapping (Moodle → ours): multichoice single/multiple → 单选/多选 (fractions kept
for partial credit), truefalse → 判断, shortanswer → 填空 (100% answers), essay →
简答 (graderinfo → reference answer), category pseudo-questions → category path
(``$course$/top/`` stripped), generalfeedback → 解析, defaultgrade → 分值, tags,
idnumber, hidden → archived, ``@@PLUGINFILE@@`` images → data-URI images.
numerical → 数值题, matching → 匹配题, ordering → 排序题, gapselect/ddwtos → 选词填空/拖词填空, cloze/multianswer →
完形填空 (the codes are checked here first, as Moodle does), each read and written by its type (``exams.qtypes``).
The other Moodle types (calculated, image drag-and-drop…) cannot be represented and are reported by name; details
we drop (per-answer feedback, hints, penalty in
adaptive modes, partial-credit short answers…) are listed as warnings.
"""

from __future__ import annotations

import html as html_lib
import re
import xml.etree.ElementTree as ET
from decimal import Decimal, InvalidOperation
from urllib.parse import quote, unquote
from xml.parsers import expat

from defusedxml.common import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser
from django.utils.translation import gettext as _

from exams import qtypes
from exams.formats.base import (
    DeferredQuestion,
    DraftQuestion,
    FormatError,
    ParseResult,
    check_question_count,
    match_moodle_fraction,
    normalise_multiple_fractions,
    percent,
    question_label,
)
from exams.qtypes.cloze import CLOZE_RE, code_problem
from exams.richtext import (
    DATA_URI_RE,
    ImageError,
    auto_to_html,
    decode_base64,
    html_to_text,
    image_data_uri,
    lost_markup,
    plain_to_html,
    sanitize_html,
)

UNSUPPORTED_TYPES = {
    "calculated": "计算题",
    "calculatedsimple": "简单计算题",
    "calculatedmulti": "计算选择题",
    "ddimageortext": "拖放到图片题",
    "ddmarker": "拖放标记题",
    "randomsamatch": "随机简答匹配题",
    "random": "随机题",
}
DEFAULT_COMBINED_FEEDBACK = {
    "",
    "Your answer is correct.",
    "Your answer is partially correct.",
    "Your answer is incorrect.",
}
CATEGORY_PREFIX_RE = re.compile(r"^\$(course|system|module|coursecategory|cat\d*|[a-z]+)\$/?")


# --- safe parsing with line numbers -------------------------------------------


class _Element(ET.Element):
    line: int = 0


class _LineTreeBuilder(ET.TreeBuilder):
    def __init__(self):
        super().__init__(element_factory=_Element)
        self.parser: DefusedXMLParser | None = None

    def start(self, tag, attrs):
        element = super().start(tag, attrs)
        element.line = self.parser.parser.CurrentLineNumber
        return element


def parse_xml(data: bytes) -> _Element:
    """Parse untrusted XML: no DTD, no entities, no external references; elements know their line."""
    builder = _LineTreeBuilder()
    parser = DefusedXMLParser(target=builder, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    builder.parser = parser
    try:
        parser.feed(data)
        return parser.close()
    except DefusedXmlException as exc:
        line = parser.parser.CurrentLineNumber
        raise FormatError(
            _("文件含有 DTD 或实体声明（%(what)s），可能引用外部文件或无限展开，出于安全原因拒绝导入。")
            % {"what": exc.__class__.__name__},
            line,
        ) from None
    except ET.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise FormatError(_("不是有效的 XML 文件（%(err)s）。") % {"err": exc.msg}, line) from None


class _StopCounting(Exception):
    pass


def count_questions(data: bytes) -> int | None:
    """How many questions (not category entries) the file holds, read by expat without building a tree.

    Runs before ``parse_xml`` so a file of 500,000 questions is refused at once.
    ``None`` when expat cannot read it through: a DTD or broken XML (which
    ``parse_xml`` refuses, naming why and where) or an encoding only Python's
    codecs know (then ``parse`` counts the parsed tree instead).
    """
    depth = 0
    count = 0

    def start(name, attrs):
        nonlocal depth, count
        depth += 1
        if depth == 2 and name == "question" and attrs.get("type") != "category":
            count += 1

    def end(name):
        nonlocal depth
        depth -= 1

    def doctype(*args):
        raise _StopCounting

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.StartDoctypeDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except (_StopCounting, expat.ExpatError):
        return None
    return count


# --- helpers -------------------------------------------------------------------


def _text(element, path: str = "text") -> str:
    if element is None:
        return ""
    node = element.find(path) if path else element
    return (node.text or "") if node is not None else ""


def _format(element) -> str:
    return (element.get("format") or "html") if element is not None else "html"


class _Files:
    """``@@PLUGINFILE@@/name`` references of one question → data-URI images."""

    def __init__(self, result: ParseResult, label: str):
        self.result = result
        self.label = label

    def resolve(self, element, html: str) -> str:
        if element is None or "@@PLUGINFILE@@" not in html:
            return html
        files = {}
        for node in element.findall("file"):
            name = node.get("name") or ""
            try:
                if (node.get("encoding") or "base64") != "base64":
                    raise ImageError(_("只支持 base64 编码"))
                files[name] = image_data_uri(decode_base64(node.text or ""))
            except ImageError as exc:
                self.result.warn(
                    _("附件“%(name)s”无法保存（%(why)s），题目中的引用已移除。") % {"name": name, "why": exc},
                    line=node.line,
                    question=self.label,
                )

        def replace(match):
            name = unquote(match.group(1))
            if name in files:
                return files[name]
            if not any(name == n for n in files):
                self.result.warn(
                    _("引用的附件“%(name)s”在文件中不存在或无法保存，已移除。") % {"name": name},
                    line=element.line,
                    question=self.label,
                )
            return ""

        return re.sub(r"@@PLUGINFILE@@/([^\"'<>\s]+)", replace, html)


def _rich(element, files: _Files, result: ParseResult, label: str) -> str:
    """A Moodle text element (questiontext, generalfeedback) as our sanitised HTML."""
    if element is None:
        return ""
    raw = _text(element)
    fmt = _format(element)
    raw = files.resolve(element, raw)
    if fmt == "markdown":
        result.warn(_("Markdown 格式的文字按纯文本导入。"), line=element.line, question=label)
        return plain_to_html(raw)
    if fmt == "plain_text":
        return plain_to_html(raw)
    html = sanitize_html(raw) if fmt == "html" else auto_to_html(raw)
    _warn_dropped_images(raw, html, result, element.line, label)
    return html


def _warn_dropped_images(raw: str, html: str, result: ParseResult, line: int, label: str) -> None:
    """An <img> the sanitiser removed (an SVG or other non-raster data URI, a broken one) is a loss to report."""
    before = len(_IMG_RE.findall(raw))
    after = len(_IMG_RE.findall(html))
    if before > after:
        result.warn(
            _("%(n)s 张图片无法保留（只保留 PNG、JPEG、GIF、WebP 格式的内嵌图片或网址图片），已移除。")
            % {"n": before - after},
            line=line,
            question=label,
        )


#: An <img> with a source (one whose attachment could not be read was already reported and left without one).
_IMG_RE = re.compile(r"""<img\b[^>]*?\bsrc\s*=\s*(["'])(?!\1)""", re.IGNORECASE)


def _legacy_image(element, stem: str, result: ParseResult, label: str) -> str:
    """Moodle 1.9's ``<image>``/``<image_base64>``: the image goes after the stem, as Moodle imports it."""
    payload = _text(element, "image_base64") if element.find("image_base64") is not None else ""
    name = _text(element, "image").strip()
    if not payload.strip():
        if name:
            result.warn(
                _("题目图片“%(name)s”只有文件名、没有图片内容（image_base64），无法保留。") % {"name": name},
                line=element.find("image").line,
                question=label,
            )
        return stem
    try:
        uri = image_data_uri(decode_base64(payload))
    except ImageError as exc:
        result.warn(
            _("题目图片“%(name)s”无法保存（%(why)s），已移除。") % {"name": name or "image_base64", "why": exc},
            line=element.find("image_base64").line,
            question=label,
        )
        return stem
    alt = html_lib.escape(name, quote=True)
    return sanitize_html(f'{stem}<p><img alt="{alt}" src="{uri}"/></p>')


def _option_text(answer, files: _Files, result: ParseResult, label: str) -> str:
    """Option texts are plain: HTML answers lose markup, with a warning when it carried content."""
    raw = files.resolve(answer, _text(answer))
    if _format(answer) in ("html", "moodle_auto_format"):
        lost = lost_markup(raw)
        if lost:
            result.warn(
                _("选项中的%(what)s无法保留，仅导入文字。") % {"what": "、".join(lost)},
                line=answer.line,
                question=label,
            )
        return html_to_text(raw)
    return raw.strip()


def _decimal(text: str) -> Decimal | None:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def category_parts(path: str) -> list[str]:
    """``$course$/top/行政执法/执法文书`` → ["行政执法", "执法文书"] (Moodle's // escapes a slash)."""
    path = CATEGORY_PREFIX_RE.sub("", (path or "").strip())
    parts = [p.replace("\x00", "/").strip() for p in path.replace("//", "\x00").split("/")]
    parts = [p for p in parts if p]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return parts


# --- import ------------------------------------------------------------------------


def parse(data: bytes) -> ParseResult:
    result = ParseResult()
    counted = count_questions(data)
    if counted is not None:
        check_question_count(counted)
    root = parse_xml(data)
    if root.tag != "quiz":
        raise FormatError(_("根元素应为 <quiz>，这不是 Moodle XML 题库文件。"), root.line)
    if counted is None:
        check_question_count(sum(1 for e in root if e.tag == "question" and e.get("type") != "category"))
    category: list[str] = []
    number = 0
    for element in root:
        if not isinstance(element.tag, str) or element.tag != "question":
            continue
        qtype = element.get("type") or ""
        if qtype == "category":
            category = category_parts(_text(element, "category/text"))
            _read_category(element, category, result)
            continue
        number += 1
        _read_question(element, qtype, number, category, result)
    if number == 0:
        result.error(_("文件中没有题目。"))
    if result.penalised:
        result.warn(
            _(
                "%(n)s 道题设置了重答扣分（penalty），它只在 Moodle 的多次作答模式中起作用，本平台每题只作答一次，已忽略：%(q)s。"
            )
            % {
                "n": len(result.penalised),
                "q": "、".join(result.penalised[:10]) + ("…" if len(result.penalised) > 10 else ""),
            }
        )
    return result


def _read_category(element, category: list[str], result: ParseResult) -> None:
    """A category entry's description (``<info>``) is kept; its ``<idnumber>`` has no home here."""
    info = element.find("info")
    raw = _text(info)
    if raw.strip():
        text = raw.strip() if _format(info) in ("plain_text", "markdown") else html_to_text(raw)
        result.category_descriptions[tuple(category)] = text
    idnumber = _text(element, "idnumber").strip()
    if idnumber:
        result.warn(
            _("分类的 ID 号（idnumber）“%(id)s”无法保留，已忽略。") % {"id": idnumber},
            line=element.line,
            question=_("分类“%(p)s”") % {"p": "/".join(category) or "top"},
        )


def _read_question(element, qtype: str, number: int, category: list[str], result: ParseResult) -> None:
    name = html_to_text(_text(element, "name/text")).strip()
    stem_element = element.find("questiontext")
    label = question_label(number, name, _text(stem_element))
    line = element.line
    if qtype == "description":
        result.warn(_("说明（description）不是题目，未导入。"), line=line, question=label)
        return
    if qtype in ("cloze", "multianswer") and not _check_cloze(_text(stem_element), result, line, label):
        return
    reader_type = qtypes.for_moodle(qtype)
    if reader_type is None:
        kind = UNSUPPORTED_TYPES.get(qtype, qtype or "?")
        result.unsupported(
            _("不支持的题型：%(kind)s（%(type)s）。") % {"kind": kind, "type": qtype}, line=line, question=label
        )
        result.deferred.append(
            DeferredQuestion(
                qtype=qtype,
                number=number,
                line=line,
                name=name,
                stem=_text(stem_element),
                label=label,
                category=list(category),
                data=_deferred_data(element, qtype),
            )
        )
        return
    files = _Files(result, label)
    draft = DraftQuestion(
        qtype="single",
        stem=_rich(stem_element, files, result, label),
        number=number,
        line=line,
        name=name,
        explanation=_rich(element.find("generalfeedback"), files, result, label),
        idnumber=(_text(element, "idnumber") if element.find("idnumber") is not None else "").strip(),
        tags=[html_to_text(_text(t)) for t in element.findall("tags/tag")],
        category=list(category),
        is_archived=_text(element, "hidden").strip() == "1",
    )
    idnumber_el = element.find("idnumber")
    if idnumber_el is not None:
        draft.idnumber = (idnumber_el.text or "").strip()
    draft.stem = _legacy_image(element, draft.stem, result, label)
    grade = element.find("defaultgrade")
    if grade is not None:
        points = _decimal(grade.text)
        if points is None:
            result.error(
                _("分值（defaultgrade）“%(v)s”不是数字。") % {"v": grade.text}, line=grade.line, question=label
            )
        else:
            draft.points = points
    _warn_lost(element, qtype, result, label)
    if reader_type.read_moodle(element, draft, MoodleReader(files, result, label)):
        result.questions.append(draft)


class MoodleReader:
    """What a question type reads a Moodle XML question with (``QType.read_moodle``): the file's
    helpers bound to one question, so that warnings and errors name it."""

    def __init__(self, files: _Files, result: ParseResult, label: str):
        self.files, self.result, self.label = files, result, label

    def text(self, element, path: str = "text") -> str:
        return _text(element, path)

    def format(self, element) -> str:
        return _format(element)

    def plain(self, element, path: str = "text") -> str:
        """A text element's words without markup (``""`` for a missing element)."""
        return html_to_text(_text(element, path)) if element is not None else ""

    def rich(self, element) -> str:
        """A text element with its images, as our sanitised HTML."""
        return _rich(element, self.files, self.result, self.label)

    def option_text(self, answer) -> str:
        return _option_text(answer, self.files, self.result, self.label)

    def fraction(self, answer) -> Decimal | None:
        return _fraction(answer, self.result, self.label)

    def flag(self, element, tag: str, default: bool) -> bool:
        return _flag(element, tag, default)

    def decimal(self, text: str) -> Decimal | None:
        return _decimal(text)

    def percent(self, fraction: Decimal) -> str:
        return percent(fraction)

    def lost_markup(self, raw: str) -> list[str]:
        return lost_markup(raw)

    def warn(self, message: str, *, line: int | None = None) -> None:
        self.result.warn(message, line=line, question=self.label)

    def error(self, message: str, *, line: int | None = None) -> None:
        self.result.error(message, line=line, question=self.label)

    def normalise_multiple_fractions(self, draft: DraftQuestion, *, line: int | None) -> None:
        normalise_multiple_fractions(draft, self.result, line=line, label=self.label)


def _warn_lost(element, qtype: str, result: ParseResult, label: str) -> None:
    for answer in element.findall("answer"):
        if html_to_text(_text(answer.find("feedback"))):
            result.warn(_("各选项的反馈（feedback）无法保留，已忽略。"), line=answer.line, question=label)
            break
    for tag in ("correctfeedback", "partiallycorrectfeedback", "incorrectfeedback"):
        text = html_to_text(_text(element.find(tag)))
        if text not in DEFAULT_COMBINED_FEEDBACK:
            result.warn(
                _("作答后的综合反馈（%(tag)s）无法保留，已忽略。") % {"tag": tag},
                line=element.find(tag).line,
                question=label,
            )
    hints = element.findall("hint")
    if any(html_to_text(_text(h)) for h in hints):
        result.warn(_("提示（hint）无法保留，已忽略。"), line=hints[0].line, question=label)
    penalty_el = element.find("penalty")
    penalty = _decimal(penalty_el.text) if penalty_el is not None else None
    if penalty and qtype != "truefalse":
        result.penalised.append(label)


def _fraction(answer, result: ParseResult, label: str) -> Decimal | None:
    raw = answer.get("fraction", "0")
    value = _decimal(raw)
    valid = match_moodle_fraction(value / 100) if value is not None else None
    if valid is None:
        result.error(
            _("选项的分数 %(v)s%% 不是 Moodle 允许的得分比例（如 100、50、33.33333、-100）。") % {"v": raw},
            line=answer.line,
            question=label,
        )
    return valid


def _flag(element, tag: str, default: bool) -> bool:
    """A Moodle yes/no element (``true``/``1``/``false``/``0``); Moodle's default when it is missing or empty."""
    value = _text(element, tag).strip().lower() if element.find(tag) is not None else ""
    if value in ("true", "1", "yes"):
        return True
    if value in ("false", "0", "no"):
        return False
    return default


# --- types we cannot hold yet, read far enough for a later question type ----------------


def _plain(node) -> str:
    return html_to_text(_text(node)) if node is not None else ""


def _deferred_data(element, qtype: str) -> dict:
    """What a later question type needs of an unsupported question (see ``DeferredQuestion``)."""
    if qtype in ("calculated", "calculatedsimple", "calculatedmulti"):
        answers = []
        for answer in element.findall("answer"):
            answers.append(
                {
                    "value": _plain(answer).strip(),
                    "tolerance": _text(answer, "tolerance").strip() or "0",
                    "fraction": (_decimal(answer.get("fraction", "0")) or Decimal(0)) / 100,
                }
            )
        units = [
            {"name": _text(u, "unit_name").strip(), "multiplier": _text(u, "multiplier").strip() or "1"}
            for u in element.findall("units/unit")
        ]
        return {"answers": answers, "units": units}
    return {}


# --- cloze checking (Moodle's own rules), so a broken one says what is wrong --------


def _check_cloze(text: str, result: ParseResult, line: int, label: str) -> bool:
    """Report what is broken in a cloze question as Moodle would; True when it is well-formed."""
    before = len(result.issues)
    matches = list(CLOZE_RE.finditer(text or ""))
    if not matches:
        result.error(
            _("完形填空题的题干中没有任何嵌入的子问题（如 {1:MULTICHOICE:=甲~乙}）。"), line=line, question=label
        )
        return False
    for index, match in enumerate(matches, start=1):
        problem = code_problem(match)
        if problem:
            where = _("第 %(i)s 个子问题 %(code)s") % {"i": index, "code": match.group(0)}
            result.error(f"{where}：{problem}", line=line, question=label)
    return len(result.issues) == before


# --- export ------------------------------------------------------------------------

_CDATA_MARK = "\ue000CDATA\ue000"


def _text_child(parent: ET.Element, value: str, fmt: str | None = "html", *, cdata: bool = True) -> None:
    """``<parent format=..><text>value</text>``; HTML goes in CDATA as Moodle writes it."""
    if fmt:
        parent.set("format", fmt)
    ET.SubElement(parent, "text").text = (_CDATA_MARK + value) if cdata and value else value


def _embed_images(html: str, parent: ET.Element) -> str:
    """data: URIs → @@PLUGINFILE@@/image-N.ext + <file> children (how Moodle carries images)."""
    counter = {"n": 0}

    def replace(match):
        mime, payload = match.group(1), match.group(2)
        counter["n"] += 1
        name = f"image-{counter['n']}.{mime.split('/')[1].replace('jpeg', 'jpg')}"
        node = ET.SubElement(parent, "file", {"name": name, "path": "/", "encoding": "base64"})
        node.text = payload
        return f"@@PLUGINFILE@@/{quote(name)}"

    return re.sub(DATA_URI_RE.pattern.strip("^$"), replace, html)


def _rich_child(parent_tag: str, node: ET.Element, html: str) -> None:
    parent = ET.SubElement(node, parent_tag)
    _text_child(parent, "")
    parent.find("text").text = (_CDATA_MARK + _embed_images(html, parent)) if html else ""
    # <file> elements must follow <text>
    files = parent.findall("file")
    for f in files:
        parent.remove(f)
        parent.append(f)


def _unmark_cdata(xml: str) -> str:
    def repl(match):
        inner = html_lib.unescape(match.group(1)).replace("]]>", "]]]]><![CDATA[>")
        return f"<text><![CDATA[{inner}]]></text>"

    return re.sub("<text>" + _CDATA_MARK + "(.*?)</text>", repl, xml, flags=re.S)


def _category_entry(quiz: ET.Element, path: list[str], description: str) -> None:
    cat = ET.SubElement(quiz, "question", {"type": "category"})
    text = "$course$/top/" + "/".join(p.replace("/", "//") for p in path)
    ET.SubElement(ET.SubElement(cat, "category"), "text").text = text
    if description:
        _text_child(ET.SubElement(cat, "info"), description, "plain_text", cdata=False)


class MoodleWriter:
    """What a question type writes its part of a Moodle XML question with (``QType.write_moodle``)."""

    def sub(self, node: ET.Element, tag: str, text: str) -> ET.Element:
        child = ET.SubElement(node, tag)
        child.text = text
        return child

    def answer(self, node: ET.Element, text: str, fraction: Decimal, *, fmt: str = "plain_text", tag: str = "answer"):
        """``<answer fraction="…" format="…"><text>…</text></answer>`` (plain text, as Moodle writes options)."""
        element = ET.SubElement(node, tag, {"fraction": percent(Decimal(fraction)), "format": fmt})
        _text_child(element, text, None, cdata=False)
        return element

    def plain_child(self, node: ET.Element, tag: str, text: str) -> ET.Element:
        element = ET.SubElement(node, tag)
        _text_child(element, text, "plain_text", cdata=False)
        return element

    def rich_child(self, node: ET.Element, tag: str, html: str) -> None:
        _rich_child(tag, node, html)


def export(questions, *, category_of, description_of=None) -> bytes:
    """Moodle XML for ``questions`` (``current_version`` and tags loaded), with category switches.

    ``category_of(question)`` gives the path parts to write after ``$course$/top/``;
    ``description_of(parts)`` the description of the category at those parts, written
    as its ``<info>`` (plain text, as Moodle reads ``plain_text``). A described parent
    gets an entry of its own before its first child, as Moodle writes them.
    """
    quiz = ET.Element("quiz")
    current = None
    written: set[tuple[str, ...]] = set()
    for question in questions:
        path = category_of(question)
        if path != current:
            current = path
            for depth in range(1, len(path)):
                parent = tuple(path[:depth])
                if parent not in written and description_of and description_of(list(parent)):
                    _category_entry(quiz, list(parent), description_of(list(parent)))
                written.add(parent)
            written.add(tuple(path))
            _category_entry(quiz, path, description_of(path) if description_of else "")
        quiz.append(_export_question(question))
    ET.indent(quiz)
    body = _unmark_cdata(ET.tostring(quiz, encoding="unicode"))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode("utf-8")


def _export_question(question) -> ET.Element:
    version = question.current_version
    qtype = qtypes.get(question.type)
    node = ET.Element("question", {"type": qtype.moodle_names[0]})
    ET.SubElement(ET.SubElement(node, "name"), "text").text = question.name
    _rich_child("questiontext", node, version.stem)
    _rich_child("generalfeedback", node, version.explanation)
    ET.SubElement(node, "defaultgrade").text = format(Decimal(version.points).normalize(), "f")
    ET.SubElement(node, "penalty").text = "0"
    ET.SubElement(node, "hidden").text = "1" if question.is_archived else "0"
    ET.SubElement(node, "idnumber").text = question.idnumber
    qtype.write_moodle(node, version, MoodleWriter())
    tags = [t.name for t in question.tags.all()]
    if tags:
        tags_node = ET.SubElement(node, "tags")
        for tag in tags:
            ET.SubElement(ET.SubElement(tags_node, "tag"), "text").text = tag
    return node
