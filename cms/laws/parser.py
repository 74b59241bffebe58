"""Parse one law text in the LawRefBook Markdown format into plain data.

The format (see ``demo/data/laws/SOURCES.md``)::

    # 中华人民共和国行政处罚法          ← title (a second ``#`` line names a part, e.g. 民法典 “# 总则”)
    1996年3月17日 …通过                 ← adoption and revision history
    <!-- INFO END -->
    ## 第一编 总则                      ← optional 编 / 分编
    ## 第一章 总则                      ← 章 (any number of #)
    ### 第一节 一般规定                 ← optional 节
    第一条 为了……                       ← an article: a paragraph starting 第X条 (or 第X条之一)
    （一）……                            ← further paragraphs (款/项) belong to the article

Headings are recognised by their text (第X编/分编/章/节, 序言), not by the
number of ``#``, because the depth differs between laws (刑法 puts 编 at ``##``
and 节 at ``####``). Copies from other sources are read too: a heading line
without ``#`` (“第一章　总则” alone on its line), an article number in bold
(“**第一条**”), no ``<!-- INFO END -->`` (the body then starts at the first
heading or article), GBK instead of UTF-8. Anything the parser does not
understand is an error naming the line: a law imported with a misplaced
article is worse than no import.

The parser only reads; ``cms.laws.importer`` writes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.utils.text import slugify
from django.utils.translation import gettext as _

from .numerals import NUMERAL_CHARS, chinese_to_int, digit_string_to_int, int_to_chinese

INFO_END = "<!-- INFO END -->"
NATIONAL_PREFIX = "中华人民共和国"

_NUM = f"[{NUMERAL_CHARS}]+"
HEADING_RE = re.compile(rf"^第(?P<num>{_NUM})(?P<kind>分编|编|篇|章|节)(?:[\s\u3000]+(?P<title>.*)|(?P<tight>.*))$")
ARTICLE_RE = re.compile(rf"^第(?P<num>{_NUM})条(?:之(?P<sub>{_NUM}))?(?P<sep>[\s\u3000]*)(?P<rest>.*)$")
FILENAME_DATE_RE = re.compile(r"^(?P<stem>.+?)\s*[(（](?P<date>\d{4}-\d{1,2}-\d{1,2})[)）]$")
_YEAR = r"\d{4}|[〇○零一二三四五六七八九]{4}"
_MD = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
HISTORY_DATE_RE = re.compile(rf"(?P<y>{_YEAR})\s*年\s*(?P<m>{_MD})\s*月\s*(?P<d>{_MD})\s*日")
INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
CJK_GAP_RE = re.compile(r"(?<=[\u3400-\u9fff])[\s\u3000]+(?=[\u3400-\u9fff])")
PREAMBLE_TITLE = "序言"
APPENDIX_RE = re.compile(r"^(附件|附录|附表|附：|附:)")
APPENDIX_PARAGRAPH_RE = re.compile(rf"^(附件|附录|附表)[{NUMERAL_CHARS}]*(?:[：:].{{0,60}})?$")
HEADING_CONTINUES = "、，,的和与及或"
SENTENCE_END_RE = re.compile(r"[。；;！？!?：:]")
KIND_LEVEL = {"篇": 0, "编": 0, "分编": 1, "章": 2, "节": 3}
INLINE_COMMENT_RE = re.compile(r"<!--.*?-->")


class LawParseError(Exception):
    """A problem in a law file, located by file name and line (``None`` for the file as a whole)."""

    def __init__(self, source_name: str, line: int | None, message: str):
        self.source_name = source_name
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.line is None:
            return _("%(file)s：%(message)s") % {"file": self.source_name, "message": self.message}
        return _("%(file)s 第 %(line)d 行：%(message)s") % {
            "file": self.source_name,
            "line": self.line,
            "message": self.message,
        }


@dataclass
class ParsedSection:
    position: int
    number: int
    number_text: str
    title: str
    line: int


@dataclass
class ParsedChapter:
    position: int
    number: int
    number_text: str
    title: str
    part_title: str
    line: int
    sections: list[ParsedSection] = field(default_factory=list)


@dataclass
class ParsedArticle:
    number: int
    sub_number: int
    number_text: str
    line: int
    chapter_position: int | None
    section_position: int | None
    paragraphs: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int]:
        return (self.number, self.sub_number)

    @property
    def text(self) -> str:
        return "\n".join(self.paragraphs)


@dataclass
class ParsedLaw:
    source_name: str
    slug: str
    title: str
    short_name: str
    history: str
    preamble: str
    appendix: str
    effective_date: dt.date
    content_hash: str
    chapters: list[ParsedChapter]
    articles: list[ParsedArticle]


def parse_law_file(path: Path) -> ParsedLaw:
    """Read and parse one file; raise ``LawParseError`` naming the file and line."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")  # saved by a Chinese Windows editor
        except UnicodeDecodeError:
            raise LawParseError(path.name, None, _("文件不是 UTF-8 或 GBK 编码的文本。")) from None
    return parse_law_text(text, source_name=path.name, content_hash=hashlib.sha256(raw).hexdigest())


def parse_law_text(text: str, *, source_name: str, content_hash: str = "") -> ParsedLaw:
    stem, file_date = _split_file_name(source_name)
    parser = _Parser(source_name)
    parser.feed(text.splitlines())
    effective_date = file_date or _date_from_history(parser.history_lines, source_name, parser.info_end_line)
    slug = slugify(stem, allow_unicode=True)
    if not slug:
        raise LawParseError(source_name, None, _("无法从文件名得到法规标识。"))
    title = "·".join([parser.title, *parser.subtitles])
    short = parser.title.removeprefix(NATIONAL_PREFIX) or parser.title
    short_name = "·".join([short, *parser.subtitles])
    return ParsedLaw(
        source_name=source_name,
        slug=slug,
        title=title,
        short_name=short_name,
        history="\n".join(line for _, line in parser.history_lines),
        preamble="\n".join(parser.preamble),
        appendix="\n".join(parser.appendix),
        effective_date=effective_date,
        content_hash=content_hash or hashlib.sha256(text.encode()).hexdigest(),
        chapters=parser.chapters,
        articles=parser.articles,
    )


def _split_file_name(source_name: str) -> tuple[str, dt.date | None]:
    """``行政处罚法(2021-01-22).md`` → ("行政处罚法", 2021-01-22); ``宪法.md`` → ("宪法", None)."""
    stem = Path(source_name).stem
    match = FILENAME_DATE_RE.match(stem)
    if not match:
        return stem, None
    try:
        return match["stem"], dt.date.fromisoformat(_pad_iso(match["date"]))
    except ValueError:
        raise LawParseError(source_name, None, _("文件名中的日期“%(date)s”无效。") % {"date": match["date"]})


def _pad_iso(value: str) -> str:
    year, month, day = value.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


def _date_from_history(history: list[tuple[int, str]], source_name: str, line: int | None) -> dt.date:
    """The latest adoption/revision date; 施行 (entry-into-force) lines only as a fallback.

    File names carry the date of the adopting or revising decision, so the
    history is read the same way for files that have no date in their name.
    """
    decided: list[dt.date] = []
    any_date: list[dt.date] = []
    for _lineno, text in history:
        for match in HISTORY_DATE_RE.finditer(text):
            try:
                date = dt.date(digit_string_to_int(match["y"]), chinese_to_int(match["m"]), chinese_to_int(match["d"]))
            except ValueError:
                continue
            any_date.append(date)
            if "施行" not in text or any(word in text for word in ("通过", "修订", "修正", "公布", "修改")):
                decided.append(date)
    if decided or any_date:
        return max(decided or any_date)
    raise LawParseError(
        source_name,
        line,
        _("无法确定版本日期：文件名中没有日期（应为“名称(YYYY-MM-DD).md”），沿革中也没有日期。"),
    )


BOLD_LEAD_RE = re.compile(rf"^(\*\*|__)(第{_NUM}(?:条(?:之{_NUM})?|分编|编|篇|章|节)[^*_]*?)\1")
#: Longest plain line taken for a heading (“第一章　总则”); longer lines are text.
PLAIN_HEADING_MAX = 40
KIND_DEPTH = {"篇": 2, "编": 2, "分编": 3, "章": 4, "节": 5}


def clean_line(line: str) -> str:
    text = line.translate(INVISIBLE).strip().strip("\u3000").strip()
    if text[:1] in "*_":
        text = BOLD_LEAD_RE.sub(r"\2", text)  # “**第一条**　为了……” → “第一条　为了……”
    return text


def plain_heading_depth(text: str) -> int | None:
    """The depth to read a heading written without ``#`` at, or None when ``text`` is not one."""
    if len(text) > PLAIN_HEADING_MAX or SENTENCE_END_RE.search(text):
        return None
    match = HEADING_RE.match(text)
    return KIND_DEPTH[match["kind"]] if match else None


def strip_comments(text: str) -> str:
    """Drop HTML comments (``<!-- FORCE BREAK -->``, editors' notes) from a line."""
    return INLINE_COMMENT_RE.sub("", text).strip() if "<!--" in text else text


def tidy_title(text: str) -> str:
    """“总 则” → “总则”: typesetters space out short headings; the words are the same."""
    return CJK_GAP_RE.sub("", text.strip())


class _Parser:
    """A line-by-line state machine; each ``_error`` names the offending line."""

    def __init__(self, source_name: str):
        self.source_name = source_name
        self.title = ""
        self.subtitles: list[str] = []
        self.history_lines: list[tuple[int, str]] = []
        self.info_end_line: int | None = None
        self.preamble: list[str] = []
        self.appendix: list[str] = []
        self.chapters: list[ParsedChapter] = []
        self.articles: list[ParsedArticle] = []
        # Structure state while reading the body.
        self.parts: dict[int, tuple[int, str, str]] = {}  # level → (number, number_text, title)
        self.part_depths: dict[int, int] = {}  # level → number of # of its heading
        self.last_number: dict[str, int] = {}
        self.restart_allowed: set[str] = {"篇", "编", "分编", "章"}
        self.chapter_depth = 0
        self.chapter: ParsedChapter | None = None
        self.section: ParsedSection | None = None
        self.part_chapter_made = False
        self.article: ParsedArticle | None = None
        self.in_preamble = False
        self.heading_closed = False

    def _error(self, line: int | None, message: str) -> LawParseError:
        return LawParseError(self.source_name, line, message)

    def feed(self, lines: list[str]) -> None:
        body_start = self._read_head(lines)
        for index in range(body_start, len(lines)):
            self._read_body_line(index + 1, clean_line(lines[index]))
        if not self.articles:
            raise self._error(None, _("文件中没有找到任何条文（段首应为“第X条”）。"))
        for article in self.articles:
            if not article.paragraphs:
                raise self._error(article.line, _("%(article)s没有条文内容。") % {"article": article.number_text})

    # -- head: title, history, INFO END -------------------------------------------------
    def _read_head(self, lines: list[str]) -> int:
        index = self._skip_front_matter(lines)
        while index < len(lines) and not strip_comments(clean_line(lines[index])):
            index += 1
        first = strip_comments(clean_line(lines[index])) if index < len(lines) else ""
        if not re.match(r"^#(?!#)\s*\S", first):
            raise self._error(index + 1 if first else None, _("缺少标题：第一行应为“# 法规名称”。"))
        self.title = tidy_title(first.lstrip("#"))
        if not any(clean_line(line) == INFO_END for line in lines[index + 1 :]):
            return self._read_unmarked_head(lines, index + 1)
        for number in range(index + 1, len(lines)):
            text = clean_line(lines[number])
            if text == INFO_END:
                self.info_end_line = number + 1
                return number + 1
            text = strip_comments(text)
            if text.startswith("#"):
                self.subtitles.append(tidy_title(text.lstrip("#")))
            elif text:
                self.history_lines.append((number + 1, text))
        raise AssertionError("unreachable: the marker was found above")

    def _read_unmarked_head(self, lines: list[str], start: int) -> int:
        """Without the marker the body starts at the first heading (第X章…, 序言) or article."""
        for number in range(start, len(lines)):
            text = strip_comments(clean_line(lines[number]))
            heading = tidy_title(text.lstrip("#")) if text.startswith("#") else None
            if heading is not None and (HEADING_RE.match(heading) or heading == PREAMBLE_TITLE):
                return number
            if heading is not None:
                self.subtitles.append(heading)
            elif ARTICLE_RE.match(text) or plain_heading_depth(text) is not None or text == PREAMBLE_TITLE:
                return number
            elif text:
                self.history_lines.append((number + 1, text))
        raise self._error(None, _("文件中没有找到任何条文（段首应为“第X条”）。"))

    @staticmethod
    def _skip_front_matter(lines: list[str]) -> int:
        """Skip a YAML front-matter block (``---`` … ``---``) that some copies carry."""
        if lines and clean_line(lines[0]) == "---":
            for index in range(1, len(lines)):
                if clean_line(lines[index]) == "---":
                    return index + 1
        return 0

    # -- body -----------------------------------------------------------------------------
    def _read_body_line(self, lineno: int, text: str) -> None:
        text = strip_comments(text)
        if not text:
            return
        if text.startswith("#"):
            depth = len(text) - len(text.lstrip("#"))
            self._heading(lineno, depth, tidy_title(text.lstrip("#")))
            return
        if not self.appendix:
            # A heading written without “#”: “第一章　总则” or “序言” alone on its line.
            plain_depth = KIND_DEPTH["章"] if tidy_title(text) == PREAMBLE_TITLE else plain_heading_depth(text)
            if plain_depth is not None:
                self._heading(lineno, plain_depth, tidy_title(text))
                return
        if self.appendix or (self.articles and APPENDIX_PARAGRAPH_RE.match(text)):
            self.appendix.append(text)
            return
        if self._continues_heading(text) or self._repeats_title(text):
            return
        match = ARTICLE_RE.match(text)
        if match and self._is_article_start(match):
            self._start_article(lineno, match)
            return
        if self.article is not None:
            self.article.paragraphs.append(text)
        elif self.in_preamble:
            self.preamble.append(text)
        else:
            raise self._error(
                lineno,
                _("这段文字不属于任何条文（条文应以“第X条”开头；序言须在“序言”标题之下）：“%(text)s”")
                % {"text": text[:30]},
            )

    def _continues_heading(self, text: str) -> bool:
        """A heading broken over two lines (“## 第五章 卷烟纸、滤嘴棒、烟用丝束、” + “烟草专用机械的生产和销售”)."""
        target = self.section or self.chapter
        if target is None or self.article is not None or self.in_preamble or self.heading_closed:
            return False
        if not target.title or target.title[-1] not in HEADING_CONTINUES or SENTENCE_END_RE.search(text):
            return False
        target.title += tidy_title(text)
        self.heading_closed = True
        return True

    def _repeats_title(self, text: str) -> bool:
        """Some copies repeat the title as the first body line; it is not a preamble."""
        if self.articles or self.chapters or self.in_preamble:
            return False
        squeezed = re.sub(r"\s+", "", text)
        return squeezed in {re.sub(r"\s+", "", self.title), self.title.removeprefix(NATIONAL_PREFIX)}

    def _heading(self, lineno: int, depth: int, heading: str) -> None:
        self.heading_closed = False
        self.article = None
        self.in_preamble = False
        if not heading:
            return
        if self.appendix or (self.articles and APPENDIX_RE.match(heading)):
            self.appendix.append(heading)
            return
        if heading == PREAMBLE_TITLE:
            if self.articles or self.chapters:
                raise self._error(lineno, _("“序言”只能出现在第一条之前。"))
            self.in_preamble = True
            return
        match = HEADING_RE.match(heading)
        if not match:
            self._unnumbered_heading(lineno, depth, heading)
            return
        kind = match["kind"]
        try:
            number = chinese_to_int(match["num"])
        except ValueError:
            raise self._error(lineno, _("标题中的序号“%(num)s”无效。") % {"num": match["num"]})
        number_text = f"第{match['num']}{kind}"
        self._check_sequence(lineno, kind, number, number_text)
        title = tidy_title(match["title"] if match["title"] is not None else match["tight"] or "")
        if kind in ("篇", "编", "分编"):
            self.part_depths[KIND_LEVEL[kind]] = depth
            self._enter_part(KIND_LEVEL[kind], number, number_text, title)
        elif kind == "章":
            self.chapter_depth = depth
            self._enter_chapter(lineno, number, number_text, title)
        else:
            self._enter_section(lineno, number, number_text, title)

    def _unnumbered_heading(self, lineno: int, depth: int, heading: str) -> None:
        """A heading without 第X…, such as 刑法's “## 附则”: a chapter, or a section if nested deeper."""
        if self.chapter is not None and depth > self.chapter_depth:
            self._enter_section(lineno, 0, "", heading)
            return
        self.chapter_depth = depth
        # At (or above) the depth of a 编 heading it closes that 编, as 刑法's “## 附则” does.
        self.parts = {lvl: value for lvl, value in self.parts.items() if self.part_depths.get(lvl, 0) < depth}
        self._enter_chapter(lineno, 0, "", heading)
        self.restart_allowed.add("节")
        self.last_number.pop("节", None)

    def _check_sequence(self, lineno: int, kind: str, number: int, label: str) -> None:
        previous = self.last_number.get(kind)
        allowed = {previous + 1} if previous is not None else {number}
        if kind in self.restart_allowed:
            allowed.add(1)
        if number not in allowed:
            expected = "或".join(f"第{int_to_chinese(n)}{kind}" for n in sorted(allowed))
            raise self._error(
                lineno, _("%(label)s的序号不连续：此处应为%(expected)s。") % {"label": label, "expected": expected}
            )
        self.last_number[kind] = number
        self.restart_allowed.discard(kind)
        # A new heading lets the levels below it start again from 1.
        for lower, level in KIND_LEVEL.items():
            if level > KIND_LEVEL[kind]:
                self.restart_allowed.add(lower)
                if lower == "节":
                    self.last_number.pop("节", None)

    def _enter_part(self, level: int, number: int, number_text: str, title: str) -> None:
        self.parts = {lvl: value for lvl, value in self.parts.items() if lvl < level}
        self.parts[level] = (number, number_text, title)
        self.chapter = None
        self.section = None
        self.part_chapter_made = False
        if level == 0:
            self.last_number.pop("分编", None)

    def _part_title(self, below: int = 2) -> str:
        return " · ".join(
            f"{text} {title}".strip() for lvl, (_, text, title) in sorted(self.parts.items()) if lvl < below
        )

    def _enter_chapter(self, lineno: int, number: int, number_text: str, title: str) -> None:
        self.chapter = ParsedChapter(
            position=len(self.chapters) + 1,
            number=number,
            number_text=number_text,
            title=title,
            part_title=self._part_title(),
            line=lineno,
        )
        self.chapters.append(self.chapter)
        self.section = None

    def _enter_section(self, lineno: int, number: int, number_text: str, title: str) -> None:
        if self.chapter is None:
            raise self._error(lineno, _("%(section)s不在任何一章之内。") % {"section": number_text})
        self.section = ParsedSection(
            position=len(self.chapter.sections) + 1, number=number, number_text=number_text, title=title, line=lineno
        )
        self.chapter.sections.append(self.section)

    # -- articles -------------------------------------------------------------------------
    def _numbers(self, match: re.Match) -> tuple[int, int] | None:
        try:
            return chinese_to_int(match["num"]), chinese_to_int(match["sub"]) if match["sub"] else 0
        except ValueError:
            return None

    def _expected(self) -> set[tuple[int, int]]:
        if not self.articles:
            return set()
        number, sub = self.articles[-1].key
        return {(number + 1, 0), (number, sub + 1)}

    def _is_article_start(self, match: re.Match) -> bool:
        """“第三条 …” starts an article; “第三条规定的…” only if it is the next number.

        Without the separating space the words could be a reference at the start
        of a paragraph, so they count as an article only where one is due.
        """
        if match["sep"] or not match["rest"]:
            return True
        numbers = self._numbers(match)
        return numbers is not None and (not self.articles or numbers in self._expected())

    def _start_article(self, lineno: int, match: re.Match) -> None:
        label = match.group(0)[: match.start("sep")]
        numbers = self._numbers(match)
        if numbers is None:
            raise self._error(lineno, _("条号“%(label)s”无效。") % {"label": label})
        if self.articles and numbers not in self._expected():
            previous = self.articles[-1]
            if numbers <= previous.key:
                message = _("条号重复或倒序：%(label)s出现在%(previous)s之后。")
            else:
                message = _("条号不连续：%(previous)s之后是%(label)s，中间缺少条文。")
            raise self._error(lineno, message % {"label": label, "previous": previous.number_text})
        self.in_preamble = False
        self._ensure_part_chapter()
        self.article = ParsedArticle(
            number=numbers[0],
            sub_number=numbers[1],
            number_text=label,
            line=lineno,
            chapter_position=self.chapter.position if self.chapter else None,
            section_position=self.section.position if self.section else None,
        )
        if match["rest"]:
            self.article.paragraphs.append(match["rest"].strip())
        self.articles.append(self.article)

    def _ensure_part_chapter(self) -> None:
        """Articles directly under a 编/分编 (no 章): the innermost part serves as their chapter."""
        if self.chapter is not None or not self.parts or self.part_chapter_made:
            return
        level = max(self.parts)
        number, number_text, title = self.parts[level]
        self.chapter = ParsedChapter(
            position=len(self.chapters) + 1,
            number=number,
            number_text=number_text,
            title=title,
            part_title=self._part_title(below=level),
            line=0,
        )
        self.chapters.append(self.chapter)
        self.part_chapter_made = True
