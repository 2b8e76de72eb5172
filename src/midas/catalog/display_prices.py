"""Prices side by side: every asset's rate as an approximate amount per day in one display
currency, so the price filter and the sort compare like with like.

Charges never use these figures: a quote and a payment are always in the asset's own
currency (its location's). The figure is computed in SQL (``day_price``), from the asset's
rate, its pricing unit and ``catalog.ExchangeRate`` (units of a currency per US dollar, AED
pegged at 3.6725, others kept by staff):

    per day = rate x DAY_FACTOR[unit]   (hour x 8, day x 1, night x 1, trip x its minimum)
    shown   = per day / per_usd[asset's currency] x per_usd[display currency]

An asset whose currency has no rate has no figure (NULL): it is left out by a price filter and
sorted last. See docs/explanation/search.md.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.db import connection
from django.db.models import FloatField, Q
from django.db.models.expressions import RawSQL

from midas.catalog.models import Asset, ExchangeRate, PricingUnit
from midas.money import EXPONENTS, minor_per_major

DEFAULT_CURRENCY = "USD"
COOKIE = "midas_currency"  # the visitor's chosen display currency (web)
HOURS_PER_DAY = 8  # an hourly rate counts as a day of this many hours
CODE = re.compile(r"[A-Z]{3}")
# Float comparison slack, in major units of the display currency (rates have 6 decimals).
SLACK = 0.005


FLOAT = {"postgresql": "double precision"}  # else SQLite's REAL


def day_price_sql(vendor: str) -> str:
    """The SQL of ``day_price`` (two parameters: the display currency, twice). Written out
    once per database rather than built from expressions: Django took ten times longer to
    compile the expression than the database to run it (docs/explanation/search.md)."""
    real = FLOAT.get(vendor, "REAL")
    asset = Asset._meta.db_table
    rates = ExchangeRate._meta.db_table
    per_day = (
        f"CASE {asset}.pricing_unit WHEN '{PricingUnit.HOUR.value}' THEN {HOURS_PER_DAY} "
        f"WHEN '{PricingUnit.TRIP.value}' THEN {asset}.min_duration ELSE 1 END"
    )
    exponents = " ".join(
        f"WHEN '{code}' THEN {minor_per_major(code)}" for code in sorted(EXPONENTS)
    )
    minor = f"CASE {asset}.currency {exponents} ELSE {minor_per_major('')} END"
    amount = f"CAST({asset}.base_rate_minor AS {real}) * {per_day} / {minor}"
    # names and constants of our own only; the display currency is a parameter
    display_rate = f"(SELECT CAST(per_usd AS {real}) FROM {rates} WHERE currency = %s)"  # noqa: S608
    own_rate = f"(SELECT CAST(r.per_usd AS {real}) FROM {rates} AS r "  # noqa: S608
    own_rate += f"WHERE r.currency = {asset}.currency)"
    return (
        f"(CASE WHEN {asset}.currency = %s THEN {amount} "
        f"ELSE {amount} * {display_rate} / {own_rate} END)"
    )


def day_price(display: str) -> RawSQL:
    """The asset's rate per day in major units of ``display``, approximate (a float):
    exact when the asset is priced in ``display``; NULL when its currency has no rate.
    It names ``catalog_asset`` itself: annotate the outer query's assets, not a subquery's."""
    sql = day_price_sql(connection.vendor)
    return RawSQL(sql, [display, display], output_field=FloatField())  # noqa: S611


def price_range(low: int | None, high: int | None) -> Q:
    """``day_price`` within ``[low, high]`` whole major units, both included."""
    condition = Q()
    if low is not None:
        condition &= Q(day_price__gte=low - SLACK)
    if high is not None:
        condition &= Q(day_price__lte=high + SLACK)
    return condition


def parse_rates(text: str | None) -> dict[str, Decimal]:
    """``"AED=3.6725,USD=1"`` (what ``selectors.listing_categories`` reads in its query) as
    a dict; anything unreadable is skipped."""
    rates: dict[str, Decimal] = {}
    for part in (text or "").split(","):
        code, _, value = part.partition("=")
        try:
            rate = Decimal(value.strip())
        except ArithmeticError:
            continue
        if CODE.fullmatch(code.strip()) and rate > 0:
            rates[code.strip()] = rate
    return rates


def display_rates() -> dict[str, Decimal]:
    """Every currency with a rate (one query)."""
    return dict(ExchangeRate.objects.values_list("currency", "per_usd"))


def choose(requested: str | None, rates: dict[str, Decimal]) -> str:
    """The display currency: ``requested`` when it has a rate, else the default."""
    code = (requested or "").strip().upper()
    return code if code in rates else DEFAULT_CURRENCY


def chosen(requested: str | None) -> str:
    """The display currency a visitor asked for (the cookie), unchecked against the rates:
    an unknown one simply gives no figure (NULL rate). The default without one."""
    code = (requested or "").strip().upper()
    return code if CODE.fullmatch(code) else DEFAULT_CURRENCY
