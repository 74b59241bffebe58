"""Activation letters (开通通知书): the PDF HR hands out, and the job that prints a large unit's.

Each letter carries a person's name, 工号, unit, a fresh one-time code
(``accounts.services.activation.issue_codes`` — printing revokes the old codes),
its expiry date, the activation page's address as text and as a QR code, and
short instructions. One letter per A4 page (``page``), or three slips per page
to cut apart (``slips``).

Drawn on reportlab's canvas directly, in the certificates' TrueType font
(``core.fonts``): a letter is a fixed layout of a few dozen strings, about a
millisecond a page. The QR code is the same for every letter (the page's
address), so it is computed once (``qrcode``, already the certificates' and the
check-in's dependency) and drawn as a reusable form in each file.

Codes and the file that prints them are made in one transaction: a letter
never holds a code that was not committed, and a failure leaves the old codes
working. Up to ``ACTIVATION_LETTERS_JOB_PEOPLE`` people the page answers with
the PDF at once; more are printed by a job (``ACTIVATION_LETTERS``): the plan
checks the font and lists the people (the requester's scope applied again when
it runs), each chunk issues its people's codes and stores its part, the finish
merges the parts with pypdf. A chunk run twice issues new codes again and
overwrites its part, so the merged file holds the codes that are live.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import tempfile
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import qrcode
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from pypdf import PdfReader, PdfWriter
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from accounts.models import OrgUnit, User, privileged_q
from accounts.services.activation import IssuedCode, issue_codes
from core.fonts import font_path, font_problem
from directory.selectors.letters import LetterRequest, select_recipients
from jobs.models import Job
from jobs.registry import JobKind, Plan, Result
from jobs.services import start_job
from jobs.storage import private_storage

KIND = "directory.activation_letters"
AUDIT_ACTION = "activation.letters_job"
PAGE, SLIPS = "page", "slips"
LAYOUTS = {PAGE: gettext_lazy("每页 1 份（单独发放）"), SLIPS: gettext_lazy("每页 3 份（裁开发放，省纸）")}
SLIPS_PER_PAGE = 3
#: People per job chunk (one part of the file, one transaction).
PEOPLE_PER_PART = 500
FONT = "letters-cjk"
PAGE_WIDTH, PAGE_HEIGHT = A4
INK = colors.HexColor("#222222")
GREY = colors.HexColor("#555555")
RED = colors.HexColor("#a8231f")
RULE = colors.HexColor("#999999")
BOX_FILL = colors.HexColor("#f6f6f6")
#: Characters that never begin a line.
NO_LINE_START = frozenset("，。、；：？！）》」』】”’,.;:?!)%")


class LettersError(Exception):
    """The letters cannot be printed (no usable font); the message says why. No code was changed."""


def activation_url() -> str:
    return settings.SITE_URL.rstrip("/") + reverse("accounts:activate")


def chinese_date(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return _("%(y)s年%(m)s月%(d)s日") % {"y": local.year, "m": local.month, "d": local.day}


# --- fonts and text -----------------------------------------------------------------


@lru_cache(maxsize=1)
def _registered_font(path: str) -> str:
    pdfmetrics.registerFont(TTFont(FONT, path))
    return FONT


def letters_font() -> str:
    """The certificates' font, registered once per process; ``LettersError`` when it cannot print Chinese."""
    problem = font_problem()
    if problem:
        raise LettersError(problem)
    return _registered_font(str(font_path()))


def _width(text: str, size: float) -> float:
    return pdfmetrics.stringWidth(text, FONT, size)


def wrap(text: str, size: float, width: float) -> list[str]:
    """``text`` in lines no wider than ``width``: any character may end a line but closing punctuation."""
    lines: list[str] = []
    for paragraph in str(text).splitlines() or [""]:
        line, used = "", 0.0
        for char in paragraph:
            char_width = _width(char, size)
            if line and used + char_width > width:
                # Closing punctuation stays with the character before it: that character moves down too.
                cut = len(line)
                if char in NO_LINE_START:
                    cut -= 1
                    while cut > 0 and line[cut] in NO_LINE_START:
                        cut -= 1
                if cut <= 0:
                    cut = len(line)
                lines.append(line[:cut])
                line = line[cut:]
                used = _width(line, size)
            line += char
            used += char_width
        lines.append(line)
    return lines


def _fitted(text: str, size: float, width: float, smallest: float = 7) -> float:
    """The largest font size up to ``size`` at which ``text`` fits ``width`` (a long name gets smaller, not cut)."""
    wide = _width(text, size)
    return size if wide <= width else max(smallest, size * width / wide)


def _lines(canvas: Canvas, lines: Sequence[str], x: float, y: float, size: float, leading: float) -> float:
    """Draw ``lines`` from baseline ``y`` down; returns the baseline after the last."""
    canvas.setFont(FONT, size)
    for line in lines:
        canvas.drawString(x, y, line)
        y -= leading
    return y


# --- the QR code --------------------------------------------------------------------


@lru_cache(maxsize=4)
def qr_matrix(url: str) -> tuple[tuple[bool, ...], ...]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0, mask_pattern=0)
    qr.add_data(url)
    qr.make(fit=True)
    return tuple(tuple(row) for row in qr.get_matrix())


QR_FORM = "activation-qr"


def _define_qr(canvas: Canvas, url: str) -> int:
    """Define the QR code once in this file as a form one unit per module; returns its size in modules."""
    matrix = qr_matrix(url)
    size = len(matrix)
    canvas.beginForm(QR_FORM, 0, 0, size, size)
    canvas.setFillColor(colors.black)
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        y = size - row_index - 1
        column = 0
        while column < size:
            if row[column]:
                start = column
                while column < size and row[column]:
                    column += 1
                path.rect(start, y, column - start, 1)
            else:
                column += 1
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.endForm()
    return size


def _draw_qr(canvas: Canvas, modules: int, x: float, y: float, side: float) -> None:
    canvas.saveState()
    canvas.translate(x, y)
    canvas.scale(side / modules, side / modules)
    canvas.doForm(QR_FORM)
    canvas.restoreState()


# --- one letter ---------------------------------------------------------------------


def _steps() -> list[str]:
    return [
        _("1. 用手机扫描二维码，或在浏览器中输入上面的网址，打开“激活账号”页面。"),
        _("2. 输入工号和激活码（不区分大小写，短横线可以不输），点“下一步”。"),
        _("3. 设置自己的登录密码（至少 8 位，不能是纯数字或常见密码，不要与姓名、工号相近），再输入一遍确认。"),
        _("4. 激活后即已登录。以后在登录页用工号和这个密码登录。"),
    ]


def _notes() -> list[str]:
    return [
        _("激活码只能使用一次；过期或本单位重新打印通知书后即作废。"),
        _("本通知书只发给本人，请妥善保管，不要转交他人或拍照发到群里。"),
        _("通知书丢失、激活码失效或忘记密码的，请联系本单位人事部门重新打印。"),
    ]


def _mfa_note() -> str:
    return _(
        "您的角色可以查看他人信息或发布内容：设置密码后还要开启两步验证，请先在手机上安装验证器应用（如 FreeOTP、Microsoft Authenticator）。"
    )


PAGE_FORM = "activation-letter-page"
SLIP_FORM = "activation-letter-slip"
SLIP_HEIGHT = PAGE_HEIGHT / SLIPS_PER_PAGE


class _Letters:
    """Draws letters onto one canvas.

    What every letter shares (headings, labels, instructions, the QR code, the
    box, the cut line) is drawn once per file as a form and placed on each page;
    only the person's own lines are drawn per letter. ``slots`` records where
    those go.
    """

    def __init__(self, canvas: Canvas, *, url: str, printed_on: dt.datetime, layout: str):
        self.canvas = canvas
        self.url = url
        self.printed = chinese_date(printed_on)
        self.modules = _define_qr(canvas, url)
        self.slots: dict[str, tuple[float, float]] = {}
        self._units: dict[tuple, list[str]] = {}
        if layout == SLIPS:
            self._slip_form()
        else:
            self._page_form()

    # -- one person per A4 page --

    LEFT = 20 * mm
    RIGHT = PAGE_WIDTH - 20 * mm
    LABEL_WIDTH = 22 * mm
    QR_SIDE = 42 * mm
    BOX_HEIGHT = 62 * mm

    def _page_form(self) -> None:
        c = self.canvas
        left, right = self.LEFT, self.RIGHT
        width = right - left
        c.beginForm(PAGE_FORM, 0, 0, PAGE_WIDTH, PAGE_HEIGHT)
        y = PAGE_HEIGHT - 22 * mm
        c.setFillColor(GREY)
        c.setFont(FONT, 10)
        c.drawCentredString(PAGE_WIDTH / 2, y, _("法治学堂 · 行政执法人员学法用法平台"))
        y -= 13 * mm
        c.setFillColor(INK)
        c.setFont(FONT, 22)
        c.drawCentredString(PAGE_WIDTH / 2, y, _("账号开通通知书"))
        y -= 14 * mm
        self.slots["greeting"] = (left, y)
        y -= 8 * mm
        intro = _(
            "您在法治学堂的账号已经开通。请在有效期内用手机或电脑打开下面的网址（或扫描二维码），"
            "输入工号和激活码，设置自己的登录密码。"
        )
        y = _lines(c, wrap(intro, 11.5, width), left, y, 11.5, 17) - 3 * mm

        # The box: who, the code and its expiry on the left, the QR code on the right.
        box_top = y
        c.setFillColor(BOX_FILL)
        c.setStrokeColor(RULE)
        c.roundRect(left, box_top - self.BOX_HEIGHT, width, self.BOX_HEIGHT, 3 * mm, stroke=1, fill=1)
        text_left = left + 6 * mm
        value_left = text_left + self.LABEL_WIDTH
        row_y = box_top - 11 * mm
        c.setFont(FONT, 11)
        c.setFillColor(GREY)
        for slot, label, step in (("name", _("姓名"), 9), ("number", _("工号"), 9), ("unit", _("单位"), 0)):
            c.drawString(text_left, row_y, label)
            self.slots[slot] = (value_left, row_y)
            row_y -= step * mm
        row_y -= 14 + 4 * mm  # room for a second line of the unit
        c.drawString(text_left, row_y - 1 * mm, _("激活码"))
        self.slots["code"] = (value_left, row_y - 2 * mm)
        row_y -= 11 * mm
        c.drawString(text_left, row_y, _("有效期至"))
        self.slots["expiry"] = (value_left, row_y)

        qr_x = right - self.QR_SIDE - 6 * mm
        qr_y = box_top - 6 * mm - self.QR_SIDE
        c.setFillColor(colors.white)
        c.rect(qr_x - 2 * mm, qr_y - 2 * mm, self.QR_SIDE + 4 * mm, self.QR_SIDE + 4 * mm, stroke=0, fill=1)
        _draw_qr(c, self.modules, qr_x, qr_y, self.QR_SIDE)
        c.setFillColor(GREY)
        c.setFont(FONT, 9)
        c.drawCentredString(qr_x + self.QR_SIDE / 2, qr_y - 6 * mm, _("扫码打开激活页面"))
        y = box_top - self.BOX_HEIGHT - 9 * mm

        c.setFillColor(INK)
        c.setFont(FONT, 11)
        c.drawString(left, y, _("激活网址："))
        c.setFont(FONT, 13)
        c.drawString(left + _width(_("激活网址："), 11), y, self.url)
        y -= 11 * mm
        c.drawString(left, y, _("激活步骤"))
        y -= 7.5 * mm
        for step in _steps():
            y = _lines(c, wrap(step, 11, width - 4 * mm), left + 4 * mm, y, 11, 16) - 1.5 * mm
        y -= 5 * mm
        c.setFont(FONT, 13)
        c.drawString(left, y, _("注意"))
        y -= 7.5 * mm
        c.setFillColor(GREY)
        for note in _notes():
            y = _lines(c, wrap("· " + note, 10.5, width - 4 * mm), left + 4 * mm, y, 10.5, 15) - 1 * mm
        self.slots["mfa"] = (left + 4 * mm, y - 4 * mm)
        c.setFont(FONT, 9)
        c.drawRightString(right, 18 * mm, _("打印日期：%(date)s") % {"date": self.printed})
        c.endForm()

    def page(self, item: IssuedCode, privileged: bool) -> None:
        c = self.canvas
        person = item.user
        c.doForm(PAGE_FORM)
        c.setFillColor(INK)
        greeting = _("%(name)s 同志：") % {"name": person.full_name}
        c.setFont(FONT, _fitted(greeting, 13, self.RIGHT - self.LEFT))
        c.drawString(*self.slots["greeting"], greeting)
        value_width = self.RIGHT - self.LEFT - self.QR_SIDE - 18 * mm - self.LABEL_WIDTH
        c.setFont(FONT, _fitted(person.full_name, 13, value_width))
        c.drawString(*self.slots["name"], person.full_name)
        c.setFont(FONT, _fitted(person.employee_no, 13, value_width))
        c.drawString(*self.slots["number"], person.employee_no)
        _lines(c, self.unit_lines(person, 11, value_width), *self.slots["unit"], 11, 14)
        c.setFillColor(RED)
        c.setFont(FONT, 21)
        c.drawString(*self.slots["code"], item.display_code, charSpace=1.5)
        c.setFillColor(INK)
        c.setFont(FONT, 12)
        c.drawString(*self.slots["expiry"], self.expiry(item))
        if privileged:
            c.setFillColor(RED)
            x, y = self.slots["mfa"]
            _lines(c, wrap(_mfa_note(), 11, self.RIGHT - x), x, y, 11, 16)
        c.showPage()

    # -- three slips per A4 page --

    SLIP_LEFT = 14 * mm
    SLIP_RIGHT = PAGE_WIDTH - 14 * mm
    SLIP_QR = 30 * mm

    def _slip_form(self) -> None:
        """One slip, its top at the form's top (``SLIP_HEIGHT``); placed three times a page."""
        c = self.canvas
        left, right, top = self.SLIP_LEFT, self.SLIP_RIGHT, SLIP_HEIGHT
        text_width = right - left - self.SLIP_QR - 8 * mm
        c.beginForm(SLIP_FORM, 0, 0, PAGE_WIDTH, SLIP_HEIGHT)
        y = top - 13 * mm
        c.setFillColor(INK)
        c.setFont(FONT, 14)
        c.drawString(left, y, _("法治学堂账号开通通知书"))
        y -= 8.5 * mm
        c.setFont(FONT, 11)
        for slot, label, x in (("name", _("姓名："), left), ("number", _("工号："), left + 62 * mm)):
            c.drawString(x, y, label)
            self.slots[slot] = (x + _width(label, 11), y)
        y -= 6 * mm
        c.setFont(FONT, 10)
        unit_label = _("单位：")
        c.drawString(left, y, unit_label)
        self.slots["unit"] = (left + _width(unit_label, 10), y)
        y -= 13 + 3.5 * mm  # room for a second line of the unit
        c.setFont(FONT, 11)
        c.drawString(left, y, _("激活码："))
        self.slots["code"] = (left + _width(_("激活码："), 11), y - 0.5 * mm)
        y -= 7 * mm
        c.setFont(FONT, 10)
        expiry_label = _("有效期至：")
        c.drawString(left, y, expiry_label)
        self.slots["expiry"] = (left + _width(expiry_label, 10), y)
        y -= 6 * mm
        c.drawString(left, y, _("激活网址：%(url)s") % {"url": self.url})
        y -= 5.5 * mm
        c.setFillColor(GREY)
        short = _(
            "扫码或打开网址 → 输入工号和激活码 → 设置密码后即已登录，以后用工号和密码登录。"
            "激活码只能用一次，重新打印后作废；请本人妥善保管，丢失请找本单位人事部门。"
        )
        y = _lines(c, wrap(short, 8.5, text_width), left, y, 8.5, 11)
        self.slots["mfa"] = (left, y)
        qr_x = right - self.SLIP_QR
        qr_y = top - 12 * mm - self.SLIP_QR
        _draw_qr(c, self.modules, qr_x, qr_y, self.SLIP_QR)
        c.setFillColor(INK)
        c.setFont(FONT, 8)
        c.drawCentredString(qr_x + self.SLIP_QR / 2, qr_y - 4.5 * mm, _("扫码激活"))
        c.endForm()

    def slip(self, item: IssuedCode, privileged: bool, slot: int) -> None:
        c = self.canvas
        person = item.user
        bottom = PAGE_HEIGHT - (slot + 1) * SLIP_HEIGHT
        c.saveState()
        c.translate(0, bottom)
        c.doForm(SLIP_FORM)
        c.setFillColor(INK)
        name_width = self.slots["number"][0] - _width(_("工号："), 11) - self.slots["name"][0] - 3 * mm
        c.setFont(FONT, _fitted(person.full_name, 11, name_width))
        c.drawString(*self.slots["name"], person.full_name)
        c.setFont(
            FONT, _fitted(person.employee_no, 11, self.SLIP_RIGHT - self.SLIP_QR - 4 * mm - self.slots["number"][0])
        )
        c.drawString(*self.slots["number"], person.employee_no)
        text_width = self.SLIP_RIGHT - self.slots["unit"][0] - self.SLIP_QR - 8 * mm
        _lines(c, self.unit_lines(person, 10, text_width), *self.slots["unit"], 10, 13)
        c.setFillColor(RED)
        c.setFont(FONT, 17)
        c.drawString(*self.slots["code"], item.display_code, charSpace=1.2)
        c.setFillColor(INK)
        c.setFont(FONT, 10)
        c.drawString(*self.slots["expiry"], self.expiry(item))
        if privileged:
            c.setFillColor(RED)
            c.setFont(FONT, 8.5)
            c.drawString(*self.slots["mfa"], _("您的角色还需用手机验证器应用开启两步验证。"))
        c.restoreState()

    def cut_lines(self, slips: int) -> None:
        """Dashed lines between the slips of a page."""
        c = self.canvas
        for slot in range(1, slips):
            y = PAGE_HEIGHT - slot * SLIP_HEIGHT
            c.saveState()
            c.setStrokeColor(RULE)
            c.setDash(3, 3)
            c.line(8 * mm, y, PAGE_WIDTH - 8 * mm, y)
            c.restoreState()
            c.setFillColor(RULE)
            c.setFont(FONT, 7)
            c.drawCentredString(PAGE_WIDTH / 2, y + 1.5 * mm, _("沿虚线裁开"))

    # -- shared --

    def unit_lines(self, person: User, size: float, width: float) -> list[str]:
        """The person's unit in at most two lines (a few hundred units for thousands of letters: cached)."""
        unit = person.org_unit.full_path if person.org_unit_id else "—"
        key = (unit, size, round(width, 2))
        if key not in self._units:
            lines = wrap(unit, size, width)
            if len(lines) > 2:
                lines = [lines[0], lines[1][:-1] + "…"]
            self._units[key] = lines
        return self._units[key]

    def expiry(self, item: IssuedCode) -> str:
        return _("%(date)s（当天有效）") % {"date": chinese_date(item.expires_at)}


def letters_pdf(
    issued: Sequence[IssuedCode], *, layout: str, privileged_ids: Iterable[int] = (), printed_on=None
) -> bytes:
    """The letters of ``issued`` as one PDF (one part of a job's file, or the whole file of a small print)."""
    letters_font()
    privileged = set(privileged_ids)
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=A4, pageCompression=1)
    canvas.setTitle(_("法治学堂账号开通通知书"))
    canvas.setCreator("fazhi")
    if not issued:
        canvas.setFont(FONT, 14)
        canvas.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT / 2, _("没有需要打印开通通知书的人员。"))
        canvas.showPage()
        canvas.save()
        return out.getvalue()
    letters = _Letters(canvas, url=activation_url(), printed_on=printed_on or timezone.now(), layout=layout)
    if layout == SLIPS:
        for start in range(0, len(issued), SLIPS_PER_PAGE):
            page = issued[start : start + SLIPS_PER_PAGE]
            for slot, item in enumerate(page):
                letters.slip(item, item.user.pk in privileged, slot)
            letters.cut_lines(len(page))
            canvas.showPage()
    else:
        for item in issued:
            letters.page(item, item.user.pk in privileged)
    canvas.save()
    return out.getvalue()


def privileged_among(user_ids: Iterable[int]) -> set[int]:
    """Who of these people holds a privileged role (their letter adds the TOTP note); one query."""
    return set(User.objects.filter(privileged_q(), pk__in=list(user_ids)).values_list("pk", flat=True).distinct())


def issue_and_render(*, user_ids: Sequence[int], actor: User | None, layout: str, via: str) -> tuple[int, bytes]:
    """New codes for these people and their letters, in the caller's transaction: ``(people, pdf)``.

    Raise inside the caller's ``atomic`` block and no code was changed.
    """
    letters_font()  # before any code is issued
    issued = issue_codes(user_ids=user_ids, actor=actor, via=via)
    return len(issued), letters_pdf(issued, layout=layout, privileged_ids=privileged_among(user_ids))


def merge_parts(parts: Iterable[bytes | BinaryIO], dest: BinaryIO) -> int:
    """The parts in order as one PDF; returns its number of pages."""
    writer = PdfWriter()
    for part in parts:
        writer.append(PdfReader(io.BytesIO(part) if isinstance(part, bytes) else part))
    writer.add_metadata({"/Title": _("法治学堂账号开通通知书")})
    writer.write(dest)
    return len(writer.pages)


def write_letters(dest: BinaryIO, *, user_ids: Sequence[int], actor: User | None, layout: str, via: str) -> int:
    """All these people's letters into ``dest`` in one transaction (the command, and the page's small prints).

    Parts of ``PEOPLE_PER_PART`` wait in temporary files; the transaction
    commits only once the whole file is written, so a failure anywhere leaves
    every old code working. Returns the number of people printed.
    """
    letters_font()
    printed = 0
    with tempfile.TemporaryDirectory(prefix="letters-") as folder, transaction.atomic():
        paths = []
        for start in range(0, len(user_ids), PEOPLE_PER_PART):
            count, data = issue_and_render(
                user_ids=user_ids[start : start + PEOPLE_PER_PART], actor=actor, layout=layout, via=via
            )
            if count:
                path = Path(folder) / f"{len(paths)}.pdf"
                path.write_bytes(data)
                paths.append(path)
                printed += count
        if not printed:
            return 0
        with contextlib.ExitStack() as files:
            merge_parts([files.enter_context(path.open("rb")) for path in paths], dest)
    return printed


def letters_filename(*, unit: OrgUnit | None, at: dt.datetime) -> str:
    label = unit.code if unit is not None else "selected"
    return f"activation-letters-{label}-{timezone.localtime(at):%Y%m%d-%H%M}.pdf"


# --- the job ------------------------------------------------------------------------


def _language(job: Job):
    return translation.override(job.parameters.get("language") or settings.LANGUAGE_CODE)


def _request(job: Job) -> LetterRequest:
    return LetterRequest.from_parameters(job.parameters, unit=job.scope_unit)


def _plan(job: Job) -> Plan:
    letters_font()  # fail the job before any code is issued
    selection = select_recipients(job.requested_by, _request(job))
    ids = selection.user_ids
    chunks = [
        {"size": len(ids[i : i + PEOPLE_PER_PART]), "ids": ids[i : i + PEOPLE_PER_PART]}
        for i in range(0, len(ids), PEOPLE_PER_PART)
    ]
    return Plan(chunks=chunks, context={"printed_on": timezone.now().isoformat()})


def _part_name(job: Job, index: int) -> str:
    return f"jobs/parts/{job.pk}/letters-{index}.pdf"


def _run_part(job: Job, index: int, chunk: dict) -> dict:
    """Issue this part's codes and store its letters, in one transaction; a rerun issues and overwrites again."""
    storage = private_storage()
    name = _part_name(job, index)
    with _language(job), transaction.atomic():
        count, data = issue_and_render(
            user_ids=chunk["ids"], actor=job.requested_by, layout=job.parameters["layout"], via="job"
        )
        if storage.exists(name):
            storage.delete(name)
        if count:
            name = storage.save(name, ContentFile(data))
    return {"part": name if count else "", "printed": count}


def _finish(job: Job) -> Result:
    """Merge the stored parts; then delete them.

    A part that is not there (a finish killed after deleting the parts, before
    the result was attached) is printed again with new codes: nobody has seen
    the lost file, so the codes in the merged one are the live ones.
    """
    storage = private_storage()
    outputs = job.context.get("outputs", {})
    names = []
    for index, chunk in enumerate(job.chunks):
        name = (outputs.get(str(index)) or {}).get("part")
        if name and not storage.exists(name):
            name = _run_part(job, index, chunk)["part"]
        if name:
            names.append(name)
    merged = tempfile.TemporaryFile()
    try:
        with _language(job), contextlib.ExitStack() as files:
            if names:
                merge_parts([files.enter_context(storage.open(name, "rb")) for name in names], merged)
            else:
                merged.write(letters_pdf([], layout=job.parameters["layout"]))
    except BaseException:
        merged.close()
        raise
    for name in names:
        storage.delete(name)
    merged.seek(0)
    return Result(filename=letters_filename(unit=job.scope_unit, at=job.created_at), file=merged)


def _summary(job: Job) -> str:
    printed = sum(int(output.get("printed", 0)) for output in job.context.get("outputs", {}).values())
    with _language(job):
        return ngettext(
            "已为 %(n)s 人生成开通通知书，他们原有的激活码已作废。",
            "已为 %(n)s 人生成开通通知书，他们原有的激活码已作废。",
            printed,
        ) % {"n": printed}


ACTIVATION_LETTERS = JobKind(
    name=KIND,
    label=gettext_lazy("开通通知书"),
    unit_label=gettext_lazy("人"),
    download_label=gettext_lazy("下载开通通知书（PDF）"),
    plan=_plan,
    run_chunk=_run_part,
    finish=_finish,
    back_url=lambda job: reverse("directory:activation_letters"),
    summary=_summary,
)


def print_in_background(people: int) -> bool:
    return people > settings.ACTIVATION_LETTERS_JOB_PEOPLE


def start_letters_job(*, viewer: User, request: LetterRequest, people: int) -> Job:
    """Start printing the letters the viewer asked for (already checked by ``select_recipients``)."""
    scope_label = request.unit.full_path if request.unit is not None else _("选定的人员")
    return start_job(
        kind=KIND,
        requested_by=viewer,
        parameters={**request.parameters(), "language": translation.get_language() or settings.LANGUAGE_CODE},
        scope_unit=request.unit,
        scope_label=scope_label,
        audit_action=AUDIT_ACTION,
        audit_summary=ngettext(
            "打印开通通知书（后台任务）：%(scope)s，%(n)s 人", "打印开通通知书（后台任务）：%(scope)s，%(n)s 人", people
        )
        % {"scope": scope_label, "n": people},
        audit_details={
            "people": people,
            "unit": request.unit.code if request.unit is not None else "",
            "named": len(request.employee_nos),
            "only_pending": request.only_pending,
            "layout": request.layout,
        },
    )
