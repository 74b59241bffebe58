"""Reading and checking numeric answers, as Moodle's numerical type does (used by 数值题 and cloze's NUMERICAL).

An answer is ``{"value": "3.14", "tolerance": "0.01", "fraction": "1"}`` (``value`` ``"*"``
matches any number); the first answer the given number falls within (|given − value| ≤ tolerance)
gives its fraction. Units are optional: ``[{"name": "m", "multiplier": "1"}, {"name": "cm",
"multiplier": "100"}]`` — a number written with a known unit is divided by its multiplier first
(150 cm → 1.5 m, as Moodle converts), one without a unit is read in the first unit, and a unit
nobody declared makes the answer wrong.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

_NUMBER_RE = re.compile(
    r"^\s*([+-]?(?:\d{1,3}(?:,\d{3})+(?:\.\d*)?|\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*(.*?)\s*$"
)
#: Numbers beyond a double's range are not numbers (as in Moodle), and would overflow Decimal arithmetic.
MAX_EXPONENT = 308
_THOUSANDS_RE = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
# Moodle strips spaces inside a number (1 234 567 is a number) and reads 3×10^8, 3x10^8, 3*10**8 as 3e8.
_DIGIT_SPACES_RE = re.compile(r"(?<=\d)[ \u00a0\u202f]+(?=\d)")
_TIMES_TEN_RE = re.compile(r"(?<=[\d.])\s*(?:[x×*]|\\times)\s*10\s*(?:\^|\*\*)\s*([+-]?\d+)", re.IGNORECASE)


def parse_number(text: str | None) -> tuple[Decimal, str] | None:
    """``"１，２３４.５ 米"`` → (Decimal("1234.5"), "米"); ``None`` when it does not start with a number.

    Full-width digits and signs are read as half-width (NFKC); ``1,234.5`` is a thousands separator,
    ``3,5`` a decimal comma (as Moodle reads either), ``3e8`` scientific notation.
    """
    if text is None:
        return None
    text = unicodedata.normalize("NFKC", str(text)).replace("−", "-").strip()
    text = _TIMES_TEN_RE.sub(r"e\1", _DIGIT_SPACES_RE.sub("", text))
    match = _NUMBER_RE.match(text)
    if not match:
        return None
    raw, unit = match.group(1), match.group(2)
    mantissa = raw.split("e")[0].split("E")[0]
    if _THOUSANDS_RE.match(mantissa):
        raw = raw.replace(",", "")
    else:
        raw = raw.replace(",", ".")
    try:
        value = Decimal(raw)
    except InvalidOperation:
        return None
    if not value.is_finite() or abs(value.adjusted()) > MAX_EXPONENT:
        return None
    return value, unit.strip()


def as_decimal(text) -> Decimal | None:
    """A stored value or tolerance as a Decimal (``None`` when it is not a finite number)."""
    try:
        value = Decimal(str(text).strip())
    except (InvalidOperation, ValueError):
        return None
    return value if value.is_finite() else None


def numeric_fraction(given: str | None, answers: list[dict], units: list[dict] | None = None) -> Decimal:
    """The fraction ``given`` earns against ``answers`` (0 when it is not a number or matches none)."""
    parsed = parse_number(given)
    if parsed is None:
        return Decimal(0)
    number, unit = parsed
    if unit:
        multipliers = {normalise_unit(u.get("name", "")): as_decimal(u.get("multiplier", "1")) for u in units or []}
        multiplier = multipliers.get(normalise_unit(unit))
        if not multiplier:
            return Decimal(0)
        number = number / multiplier
    for answer in answers:
        fraction = as_decimal(answer.get("fraction", "0")) or Decimal(0)
        if str(answer.get("value", "")).strip() == "*":
            return fraction
        value = as_decimal(answer.get("value"))
        tolerance = abs(as_decimal(answer.get("tolerance", "0")) or Decimal(0))
        if value is not None and abs(number - value) <= tolerance:
            return fraction
    return Decimal(0)


def normalise_unit(unit: str) -> str:
    """How units are compared: NFKC, without spaces (Moodle strips them: ``km / h`` is ``km/h``), case-folded."""
    return "".join(unicodedata.normalize("NFKC", unit or "").split()).casefold()
