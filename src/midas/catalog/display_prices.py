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

from django.db.models import (
    Case,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable
from django.db.models.functions import Cast

from midas.catalog.models import ExchangeRate, PricingUnit
from midas.money import EXPONENTS, minor_per_major

DEFAULT_CURRENCY = "USD"
COOKIE = "midas_currency"  # the visitor's chosen display currency (web)
HOURS_PER_DAY = 8  # an hourly rate counts as a day of this many hours
CODE = re.compile(r"[A-Z]{3}")
# Float comparison slack, in major units of the display currency (rates have 6 decimals).
SLACK = 0.005


def day_factor() -> Case:
    """How many pricing units make a day: 8 hours; a day; a night; a trip counts once at its
    minimum number of trips (usually 1)."""
    return Case(
        When(pricing_unit=PricingUnit.HOUR, then=Value(HOURS_PER_DAY)),
        When(pricing_unit=PricingUnit.TRIP, then=F("min_duration")),
        default=Value(1),
        output_field=IntegerField(),
    )


def minor_units() -> Case:
    """Minor units per major unit of the asset's currency (100, or per EXPONENTS)."""
    whens = [When(currency=code, then=Value(minor_per_major(code))) for code in EXPONENTS]
    return Case(*whens, default=Value(minor_per_major("")), output_field=IntegerField())


def rate_of(currency: Combinable | str) -> Subquery:
    """``per_usd`` of ``currency`` (an expression or a code), as a float; NULL if none."""
    target = currency if not isinstance(currency, str) else Value(currency)
    rates = ExchangeRate.objects.filter(currency=target).values("per_usd")[:1]
    return Subquery(rates, output_field=FloatField())


def day_price(display: str) -> Combinable:
    """The asset's rate per day in major units of ``display``, approximate (a float)."""
    amount = Cast("base_rate_minor", FloatField()) * Cast(day_factor(), FloatField())
    per_major = Cast(minor_units(), FloatField())
    own_rate = Cast(rate_of(OuterRef("currency")), FloatField())
    display_rate = Cast(rate_of(display), FloatField())
    converted = amount * display_rate / (per_major * own_rate)
    exact = amount / per_major  # no conversion: nothing lost to the rates
    return Case(When(currency=display, then=exact), default=converted, output_field=FloatField())


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
