"""What every question type is: one class per type owns its whole life in the bank and on a paper.

A type (``QType`` subclass, registered in ``exams.qtypes``) decides

* authoring: how raw content becomes the stored shape (``normalise``) and what is wrong with it
  (``validate``), and how the bank editor's 答案设置 text reads and writes it (``editor_text`` /
  ``parse_editor``) for types whose answers are more than options;
* the paper: the frozen option order (``freeze``; the PostgreSQL start does the same from the
  options' ``group`` and ``shuffle`` marks and the type's ``shuffle_on_request``, see
  ``exams.services.attempts.START_SQL``);
* the learner's page: which templates render it, what a ``PageItem`` holds (``build_page``, never
  the key), how an answer sent by the page is read back (``from_client``) and shown again
  (``to_client``), and what the result page may reveal (``reveal``);
* grading (``score``: the fraction of the points, ``None`` when a person grades) and what each part
  earned (``part_outcomes``, for the statistics of multi-part questions);
* the formats: which Moodle XML types it reads and writes (``moodle_names``), and what GIFT,
  Aiken and the Excel template can express (``gift``/``aiken``/``xlsx``).

Stored shapes (``QuestionVersion``): ``options`` is a list of dicts each with a ``key`` (what
answers and the frozen order name), and may carry ``group`` (options are frozen group by group,
in ascending order) and ``shuffle`` (``"always"``: shuffled on every paper; ``"never"``: never,
even when the exam shuffles options). ``accepted_answers`` is a list of strings and ``data`` a
dict of the type's own settings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
# Moodle stores 1/3 as 0.3333333: three such options must still add up to full marks.
FRACTION_TOLERANCE = Decimal("0.00001")
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_SPACES_RE = re.compile(r"\s+")

#: How the page reads a question's inputs back (``static/exams/qtypes.js``): the typed text, the one
#: ticked option, the ticked options, or one value per part (blank, gap, pair, position) in page order.
TEXT, CHOICE, CHOICES, PARTS = "text", "choice", "choices", "parts"


def normalise_fill(text: str | None) -> str:
    """Canonical form of a typed answer: NFKC (全角→半角), no whitespace, case-folded.

    NFKC maps full-width letters, digits and punctuation (Ａ１，（）) to their
    half-width forms and the ideographic space to a space; all whitespace is then
    removed, because officials type 行政 处罚 and 行政处罚 interchangeably.
    """
    if text is None:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    return _SPACES_RE.sub("", text).casefold()


def answer_keys(answer) -> list[str]:
    """An answer as a list of option keys (a key, a list of keys, or True/False for true/false)."""
    if answer is None or answer == "":
        return []
    if isinstance(answer, bool):
        return ["T" if answer else "F"]
    if isinstance(answer, str):
        return [answer]
    if isinstance(answer, Iterable) and not isinstance(answer, dict):
        return [str(a) for a in answer if a not in (None, "")]
    return [str(answer)]


def option_fraction(option: dict) -> Decimal:
    try:
        return Decimal(str(option.get("fraction", "0")))
    except (ArithmeticError, InvalidOperation):
        return Decimal("0")


def clamp(value: Decimal) -> Decimal:
    """A fraction into [0, 1]; within Moodle's tolerance of 1 is 1."""
    if value >= 1 - FRACTION_TOLERANCE:
        return Decimal("1")
    return max(value, Decimal("0"))


def as_int(value) -> int | None:
    """An index the page sent (an int, or its digits as text), or ``None``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit() and len(value) < 12:
        return int(value)
    return None


class BadAnswer(ValueError):
    """What the page sent cannot be an answer to this question (the caller names the question).

    ``too_long``: the typed answer is longer than the type's ``max_chars`` (said as such); ``message``: what the
    learner should do instead, when the type can say it better than "reload the page" (a form posted without
    JavaScript can send what the page's script never would).
    """

    def __init__(self, *, too_long: int = 0, message: str = ""):
        super().__init__(too_long)
        self.too_long = too_long
        self.message = message


@dataclass
class PageOption:
    index: int
    label: str
    text: str
    chosen: bool = False
    correct: bool | None = None  # filled in only by ``reveal`` when the key may be shown


@dataclass
class PagePart:
    """One answerable part of a multi-part question: a blank, a gap, a pair's left side, a position.

    ``choices`` are what it may be answered with (a select), in the frozen order, with
    ``chosen`` set from the learner's answer; a typed part (``typed``) has ``text`` instead.
    ``correct_text`` and ``right`` are filled in only by ``reveal``.
    """

    index: int
    label: str = ""
    choices: list[PageOption] = field(default_factory=list)
    typed: bool = False
    text: str = ""
    widget: str = "select"  # select | radio | text
    inputmode: str = ""  # a typed part's keyboard on phones ("decimal" for numbers)
    correct_text: str = ""
    right: bool | None = None

    @property
    def answered(self) -> bool:
        return bool(self.text) if self.typed else any(c.chosen for c in self.choices)


@dataclass
class PageItem:
    position: int
    qtype: str
    qtype_label: str
    stem: str
    points: object
    options: list[PageOption] = field(default_factory=list)
    #: The parts of a multi-part question, listed under its stem (whose blanks are numbered to match).
    parts: list[PagePart] = field(default_factory=list)
    text: str = ""
    seq: int = 0
    saved: bool = False
    flagged: bool = False
    score: object = None
    feedback: str = ""
    accepted_answers: list[str] = field(default_factory=list)
    explanation: str = ""
    #: The stored answer as the page sends it (``QType.to_client``), for resuming a page.
    client_response: object = None
    input_template: str = ""
    review_template: str = ""
    answer_kind: str = CHOICE
    inputmode: str = ""  # a typed answer's keyboard on phones ("decimal" for numbers)

    @property
    def answered(self) -> bool:
        if self.answer_kind == TEXT:
            return bool(self.text)
        if self.answer_kind == PARTS:
            return self.client_response is not None
        return any(o.chosen for o in self.options)

    @property
    def outcome(self) -> str:
        """How a graded answer fared — right, partly right, wrong, or not yet graded — from its score alone.

        The score is shown under every review policy that shows answers, so this tells nothing about the key.
        """
        if self.score is None:
            return "pending"
        if self.score >= self.points:
            return "right"
        return "partial" if self.score > 0 else "wrong"


@dataclass
class PartOutcome:
    """What one part of an answer earned (statistics per blank, pair or position)."""

    label: str
    fraction: Decimal
    response: str = ""


class QType:
    """A question type. Subclasses set the class attributes and override what differs."""

    name: str = ""
    label = ""
    #: A person grades it (简答题): no automatic score, the grading queue shows it.
    manual: bool = False
    #: How the page sends it back (``TEXT``, ``CHOICE``, ``CHOICES``, ``PARTS``).
    answer_kind: str = CHOICE
    #: The most characters a typed answer may have (typed types only).
    max_chars: int = 0
    #: The exam's 选项乱序 shuffles its options (each group on its own).
    shuffle_on_request: bool = False
    #: Moodle XML ``type`` attributes it reads (the first is what it writes).
    moodle_names: tuple[str, ...] = ()
    #: Which of the other formats can express it.
    gift: bool = False
    aiken: bool = False
    xlsx: bool = True
    #: The 题型 column's words for it in Excel (the first is what the template and exports write).
    aliases: tuple[str, ...] = ()
    #: The 填写说明 sheet's rule for its 答案 cell (and option columns), when the common rule does not say it.
    xlsx_guide = ""
    #: Its templates under ``templates/exams/qtypes/``.
    input_template: str = "exams/qtypes/choice_input.html"
    review_template: str = "exams/qtypes/choice_review.html"
    #: The bank editor: which of the form's answer fields it uses (``options``, ``truefalse``,
    #: ``accepted``, ``spec``), and what its 答案设置 text looks like.
    editor_fields: tuple[str, ...] = ()
    editor_help = ""

    # --- authoring -------------------------------------------------------------------

    def normalise(self, *, stem: str, options: list[dict], accepted: list[str], data: dict):
        """The stored shape of raw content: ``(options, accepted, data)``. ``stem`` is sanitised HTML."""
        return [], [], {}

    def validate(self, *, stem: str, options: list[dict], accepted: list[str], data: dict, errors: dict) -> None:
        """Add what is wrong (field → messages: ``options``, ``accepted_answers``, ``stem``, ``data``)."""

    def editor_text(self, *, stem: str, options: list[dict], accepted: list[str], data: dict) -> str:
        """The 答案设置 text the bank editor shows for stored content (``spec`` editors)."""
        return ""

    def parse_editor(self, text: str) -> tuple[list[dict], list[str], dict]:
        """Read the bank editor's 答案设置 text into raw ``(options, accepted, data)``; ``ValueError`` names the line."""
        return [], [], {}

    # --- Excel (``exams.formats.xlsx``: ``error(column, message)`` reports a cell) ----------

    def read_xlsx(self, row: dict, answer: str, draft, error) -> bool:
        """Fill ``draft`` from a row's option columns and its 答案 (NFKC-normalised); False when refused."""
        raise NotImplementedError

    def write_xlsx(self, version) -> tuple[list[str], str]:
        """The option columns and the 答案 cell of an exported row."""
        raise NotImplementedError

    def export_stem(self, version) -> str:
        """The stem as a file writes it (cloze puts its blanks' codes back where the stem holds ``{#n}``)."""
        return version.stem

    # --- Moodle XML (``exams.formats.moodle_xml``) --------------------------------------

    def read_moodle(self, element, draft, ctx) -> bool:
        """Fill ``draft`` from a ``<question type="…">`` element (``ctx``: ``MoodleReader``, whose warnings
        and errors name the question); False when the question is refused (after ``ctx.error``)."""
        raise NotImplementedError

    def write_moodle(self, node, version, ctx) -> None:
        """Write the type's elements into ``node`` (``ctx``: ``MoodleWriter``); the common ones are written."""
        raise NotImplementedError

    # --- GIFT (``exams.formats.gift``) -----------------------------------------------

    def write_gift(self, version, *, head: str, general: str, ctx) -> list[str]:
        """The question's GIFT lines after its comments: ``head`` is its title and stem, ``general``
        its ``####`` feedback (or ""); ``ctx.repchar`` escapes GIFT's special characters."""
        raise NotImplementedError

    # --- the paper -------------------------------------------------------------------

    def learner_stem(self, stem: str) -> str:
        """The stem as a learner may see it outside the question's own page (the 错题本 list, practice lists):
        types whose stems hold answer markers (cloze codes, gap numbers) blank them out."""
        return stem

    def freeze(self, options: list[dict], *, shuffle_options: bool, rng) -> list[str]:
        """The option keys in the order this paper shows them (see the module's note on groups)."""
        groups: dict[int, list[dict]] = {}
        for option in options:
            groups.setdefault(int(option.get("group") or 0), []).append(option)
        order: list[str] = []
        for group in sorted(groups):
            members = groups[group]
            keys = [o["key"] for o in members]
            mark = members[0].get("shuffle")
            if mark == "always" or (shuffle_options and self.shuffle_on_request and mark != "never"):
                rng.shuffle(keys)
            order.extend(keys)
        return order

    # --- the learner's page ----------------------------------------------------------

    def build_page(self, page: PageItem, *, option_order: list[str], options: list[dict], response) -> None:
        """Fill ``page`` for the page (options, parts, text, ``client_response``), never with the key."""
        raise NotImplementedError

    def from_client(self, option_order: list[str], raw):
        """What the page sent → the stored answer (``None`` when empty); ``BadAnswer`` when it cannot be one."""
        raise NotImplementedError

    def to_client(self, option_order: list[str], response):
        """The stored answer as the page sends it."""
        raise NotImplementedError

    def reveal(self, page: PageItem, *, option_order: list[str], options: list[dict], accepted: list[str], data: dict):
        """Mark the key on a rendered question (result pages that may show it)."""
        page.accepted_answers = list(accepted)

    def key_text(self, *, option_order: list[str], options: list[dict], accepted: list[str], data: dict) -> str:
        """The key in one line, for trainers (previews)."""
        return " | ".join(accepted)

    # --- grading ----------------------------------------------------------------------

    def score(self, *, options: list[dict], accepted: list[str], data: dict, response, partial_credit: bool):
        """The fraction of the points the answer earns (0..1), or ``None`` when a person grades it."""
        raise NotImplementedError

    def part_outcomes(self, *, options: list[dict], accepted: list[str], data: dict, response) -> list[PartOutcome]:
        """What each part earned, for multi-part types; ``[]`` for a question of one part."""
        return []

    def __repr__(self) -> str:
        return f"<QType {self.name}>"
