"""``{{ value|hours }}``: 学时 without trailing zeros (12.5, 60, 0.75)."""

from decimal import Decimal, InvalidOperation

from django import template

register = template.Library()


@register.filter(name="hours")
def format_hours(value) -> str:
    if value in (None, ""):
        return ""
    try:
        number = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
