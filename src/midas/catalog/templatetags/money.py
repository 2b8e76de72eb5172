"""Money for people: integer minor units plus an ISO 4217 code, shown as "USD 5,500".

``{{ amount|money:currency }}`` prints the code, a thousands separator and the minor digits
only when there is a fraction ("AED 20,199.50"); ``{{ amount|money_full:currency }}``
always prints them.
"""

from __future__ import annotations

from django import template

register = template.Library()

# ISO 4217 minor-unit exponents that are not 2 (the default).
EXPONENTS: dict[str, int] = {
    "BHD": 3,
    "JOD": 3,
    "JPY": 0,
    "KRW": 0,
    "KWD": 3,
    "OMR": 3,
    "TND": 3,
}


def exponent(currency: str) -> int:
    return EXPONENTS.get((currency or "").upper(), 2)


def minor_per_major(currency: str) -> int:
    """How many minor units make one major unit (100 for USD and AED)."""
    return 10 ** exponent(currency)


def format_money(amount: object, currency: str, *, always_fraction: bool = False) -> str:
    try:
        minor = int(amount)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return ""
    digits = exponent(currency)
    sign = "-" if minor < 0 else ""
    major, fraction = divmod(abs(minor), 10**digits)
    text = f"{major:,}"
    if digits and (fraction or always_fraction):
        text += f".{fraction:0{digits}d}"
    code = (currency or "").upper()
    return f"{code} {sign}{text}".strip()


@register.filter
def money(amount: object, currency: str) -> str:
    return format_money(amount, currency)


@register.filter
def money_full(amount: object, currency: str) -> str:
    return format_money(amount, currency, always_fraction=True)
