"""Factories for the pricing rules' tests: jets with a profile, discounts, tier rules."""

from __future__ import annotations

import datetime as dt

from midas.catalog.models import Airport, Asset, JetProfile, LengthDiscount, PricingUnit, TierRule
from midas.catalog.pricing_demo import seed_airports
from tests.factories import NOW, make_asset, make_city

JET_SPECS = {"range_km": 14_000, "passengers": 14, "speed_kmh": 900}


def make_jet(
    base: str = "DXB",
    city: str = "dubai",
    *,
    hourly: int = 6_000_000,
    minimum: int = 120,
    **overrides: object,
) -> Asset:
    """A jet priced per trip by flight time: AED 60,000 an hour, two hours' minimum a leg."""
    seed_airports()  # a transactional test before this one may have flushed them
    fields: dict[str, object] = {
        "pricing_unit": PricingUnit.TRIP,
        "base_rate_minor": 7_000_000,
        "security_deposit_minor": 0,
        "specs": JET_SPECS,
        "min_notice_hours": 24,
    }
    fields.update(overrides)
    jet = make_asset("jets", make_city(city), **fields)
    JetProfile.objects.create(
        asset=jet,
        base_airport=Airport.objects.get(iata=base),
        hourly_rate_minor=hourly,
        min_billed_minutes=minimum,
    )
    return jet


def old_site_discounts() -> None:
    LengthDiscount.objects.create(label="Weekly rate", min_days=7, discount_bp=1500)
    LengthDiscount.objects.create(label="Monthly rate", min_days=30, discount_bp=2500)


def old_site_tiers() -> None:
    TierRule.objects.create(
        tier="premium", label="Premium service", adjustment_bp=3000, perk="A dedicated concierge"
    )
    TierRule.objects.create(
        tier="vvip", label="VVIP service", adjustment_bp=6000, perk="Airport meet-and-greet"
    )


def at(days: int, hour: int, tz: dt.tzinfo) -> dt.datetime:
    """``days`` after NOW's date at ``hour`` local time."""
    day = (NOW + dt.timedelta(days=days)).date()
    return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)
