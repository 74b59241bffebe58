"""Chinese numerals as they appear in law texts: 第一百零八条, 第二编, 一九八二年."""

from __future__ import annotations

DIGITS = {
    "零": 0,
    "〇": 0,
    "○": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
UNITS = {"十": 10, "百": 100, "千": 1000}
WAN = {"万": 10_000}

#: Characters a numeral may consist of (for building regular expressions).
NUMERAL_CHARS = "".join(DIGITS) + "".join(UNITS) + "".join(WAN) + "0123456789０１２３４５６７８９"


def chinese_to_int(text: str) -> int:
    """Convert 一百零八 → 108, 十二 → 12, 二十 → 20, 108 → 108.

    Raises ``ValueError`` for anything that is not a well-formed numeral, so a
    typo in a heading is reported rather than silently misnumbered.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty numeral")
    ascii_digits = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if ascii_digits.isdigit():
        return int(ascii_digits)
    total = 0
    section = 0  # the part below 万
    digit: int | None = None
    last_unit = 10**9
    for char in text:
        if char in DIGITS:
            if digit is not None and digit != 0 and DIGITS[char] != 0:
                raise ValueError(f"two digits in a row in {text!r}")
            digit = DIGITS[char]
        elif char in UNITS:
            unit = UNITS[char]
            if unit >= last_unit:
                raise ValueError(f"units out of order in {text!r}")
            section += (digit if digit else 1) * unit
            digit = None
            last_unit = unit
        elif char in WAN:
            section += digit or 0
            total += (section or 1) * WAN[char]
            section, digit, last_unit = 0, None, 10**9
        else:
            raise ValueError(f"not a Chinese numeral: {text!r}")
    return total + section + (digit or 0)


def digit_string_to_int(text: str) -> int:
    """Convert a digit-by-digit numeral (一九八二, 二〇一八) or Arabic digits to an int."""
    ascii_digits = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if ascii_digits.isdigit():
        return int(ascii_digits)
    if not text or any(char not in DIGITS for char in text):
        raise ValueError(f"not a digit string: {text!r}")
    return int("".join(str(DIGITS[char]) for char in text))


def int_to_chinese(number: int) -> str:
    """Convert 108 → 一百零八 (the form laws use), for numbers below 100,000."""
    if number < 0 or number >= 100_000:
        raise ValueError("out of range")
    if number == 0:
        return "零"
    names = "零一二三四五六七八九"
    parts: list[str] = []
    units = [(10_000, "万"), (1000, "千"), (100, "百"), (10, "十"), (1, "")]
    zero_pending = False
    for value, name in units:
        digit = number // value % 10
        if digit == 0:
            if parts:
                zero_pending = True
            continue
        if zero_pending:
            parts.append("零")
            zero_pending = False
        if not (value == 10 and digit == 1 and not parts):
            parts.append(names[digit])
        parts.append(name)
    return "".join(parts)
