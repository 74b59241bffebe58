"""``{{ value|hours }}``: 学时 without trailing zeros (12.5, 60, 0.75)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()

CENT = Decimal("0.01")


@register.filter(name="hours")
def format_hours(value) -> str:
    if value is None or value == "":
        return ""
    if type(value) is int:
        return str(value)
    try:
        number = (value if type(value) is Decimal else Decimal(str(value))).quantize(CENT)
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
