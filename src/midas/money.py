"""Money for people and for arithmetic: integer minor units plus an ISO 4217 code.

``format_money(550000, "USD")`` is "USD 5,500"; the minor digits are shown only when there
is a fraction ("AED 20,199.50") unless ``always_fraction``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

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
    return int(10 ** exponent(currency))


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


def convert(amount_minor: int, currency: str, to: str, rate: Decimal | str) -> int:
    """``amount_minor`` of ``currency`` in minor units of ``to``, where 1 ``currency`` =
    ``rate`` ``to`` (exact decimal arithmetic, rounded half to even once at the end):
    ``convert(100_00, "AED", "USD", "0.2723")`` is 27_23."""
    major = Decimal(amount_minor) / minor_per_major(currency)
    converted = major * Decimal(str(rate)) * minor_per_major(to)
    return int(converted.quantize(Decimal(1), rounding=ROUND_HALF_EVEN))
