"""The demo's pricing rules: the old site's length discounts (15 % from 7 days, 25 % from 30)
and service tiers (×1.3 premium, ×1.6 VVIP), the demo jets' profiles (base airport, hourly
rate, minimum per leg), each airport tied to its Midas city, and a maximum length per asset.
Idempotent: rules are matched by their natural keys and left alone once staff edit them."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.db import transaction

from midas.catalog.models import Airport, Asset, JetProfile, LengthDiscount, Location, TierRule

# Airports of the six Midas cities (the data migration cannot tie them: the cities are demo
# data, loaded later).
AIRPORT_CITIES = {
    "DXB": "dubai",
    "DWC": "dubai",
    "DCA": "washington-dc",
    "IAD": "northern-virginia",
    "BWI": "maryland",
    "IAH": "houston",
    "HOU": "houston",
    "ATL": "atlanta",
    "PDK": "atlanta",
}

# The old site: "15 % off 7+ days, 25 % off 30+ days", for every asset priced by time.
LENGTH_DISCOUNTS = (("Weekly rate", 7, 1500), ("Monthly rate", 30, 2500))

# The old site charged ×1.3 for premium and ×1.6 for VVIP service, for what it added.
TIER_RULES = (
    (
        "premium",
        "Premium service",
        3000,
        "A dedicated concierge, priority delivery and handover, and a welcome hamper",
    ),
    (
        "vvip",
        "VVIP service",
        6000,
        "A personal concierge day and night, airport meet-and-greet, a chauffeur on arrival "
        "and the first choice of dates",
    ),
)

# slug: (base airport, hourly rate in minor units of the jet's currency, minimum per leg)
JET_PROFILES = {
    "bombardier-global-7500-dubai": ("DXB", 6_200_000, 120),
    "gulfstream-g700-dubai": ("DXB", 6_600_000, 120),
    "gulfstream-g650er-dc": ("IAD", 1_450_000, 120),
    "bombardier-challenger-350-houston": ("HOU", 750_000, 90),
    "embraer-phenom-300e-houston": ("HOU", 480_000, 60),
    "gulfstream-g280-atlanta": ("PDK", 720_000, 90),
    "gulfstream-g500-northern-virginia": ("IAD", 1_150_000, 120),
}

# The longest booking per pricing unit, for assets without their own maximum.
MAX_DURATION = {"hour": 72, "day": 30, "night": 90}


def seed_airports() -> None:
    """The airports of the data migration (``catalog 0007``), again: a database flushed
    since (a test's ``transactional_db``) gets them back. Idempotent."""
    migration = importlib.import_module("midas.catalog.migrations.0007_airports")
    migration.add_airports(apps, None)


def seed_rates() -> None:
    """The pegged exchange rates of the data migration (``catalog 0005``: USD, AED 3.6725),
    again, for a database flushed since. Idempotent."""
    migration = importlib.import_module("midas.catalog.migrations.0005_aed_peg")
    migration.add_rates(apps, None)


@transaction.atomic
def load_demo_pricing() -> None:
    if not Airport.objects.exists():
        seed_airports()
    seed_rates()  # the display currencies: a flushed database has none
    locations = {loc.slug: loc for loc in Location.objects.all()}
    for iata, slug in AIRPORT_CITIES.items():
        if slug in locations:
            Airport.objects.filter(iata=iata, location__isnull=True).update(
                location=locations[slug]
            )
    for label, days, bp in LENGTH_DISCOUNTS:
        LengthDiscount.objects.get_or_create(
            asset=None, category=None, min_days=days, defaults={"label": label, "discount_bp": bp}
        )
    for tier, label, bp, perk in TIER_RULES:
        TierRule.objects.get_or_create(
            tier=tier, category=None, label=label, defaults={"adjustment_bp": bp, "perk": perk}
        )
    airports = Airport.objects.in_bulk(field_name="iata")
    for slug, (base, rate, minimum) in JET_PROFILES.items():
        asset = Asset.objects.filter(slug=slug).first()
        if asset is not None and base in airports:
            JetProfile.objects.get_or_create(
                asset=asset,
                defaults={
                    "base_airport": airports[base],
                    "hourly_rate_minor": rate,
                    "min_billed_minutes": minimum,
                },
            )
    for unit, most in MAX_DURATION.items():
        Asset.objects.filter(
            pricing_unit=unit, max_duration__isnull=True, min_duration__lte=most
        ).update(max_duration=most)
