"""Small factories for tests: plain functions with sensible defaults, overridable by keyword."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from midas.accounts.models import User
from midas.catalog.models import (
    AddOn,
    AddOnPricing,
    Asset,
    AssetImage,
    Category,
    Location,
    PricingUnit,
    SeasonalRate,
)

_seq = itertools.count(1)
PASSWORD = "velvet-harbour-1912"

CATEGORY_DEFAULTS = {
    "cars": ("Cars", "Car", 1),
    "yachts": ("Yachts", "Yacht", 2),
    "jets": ("Private jets", "Private jet", 3),
    "villas": ("Villas", "Villa", 4),
}

SPEC_DEFAULTS = {
    "cars": {"engine": "6.5 L V12", "horsepower": 789, "top_speed_kmh": 340, "seats": 2},
    "yachts": {"length_m": 45, "guests": 12, "crew": 9, "cruising_speed_kn": 14},
    "jets": {"range_km": 12_000, "passengers": 14, "speed_kmh": 900},
    "villas": {"bedrooms": 6, "bathrooms": 7, "area_sqm": 1200, "guests": 12},
}


def make_location(**overrides: object) -> Location:
    fields = {
        "slug": "miami",
        "city": "Miami",
        "region": "Florida",
        "country": "US",
        "timezone": "America/New_York",
        "currency": "USD",
        "tax_rate_bp": 700,
        "service_fee_bp": 500,
    }
    fields.update(overrides)
    location, _ = Location.objects.get_or_create(slug=fields.pop("slug"), defaults=fields)
    return location


CITIES: dict[str, dict[str, object]] = {
    "dubai": {
        "city": "Dubai",
        "region": "Dubai",
        "country": "AE",
        "timezone": "Asia/Dubai",
        "currency": "AED",
        "tax_rate_bp": 500,
        "service_fee_bp": 500,
    },
    "washington-dc": {
        "city": "Washington DC",
        "region": "District of Columbia",
        "timezone": "America/New_York",
        "tax_rate_bp": 600,
    },
    "maryland": {"city": "Maryland", "region": "Maryland", "tax_rate_bp": 600},
    "houston": {
        "city": "Houston",
        "region": "Texas",
        "timezone": "America/Chicago",
        "tax_rate_bp": 825,
    },
}


def make_city(slug: str, **overrides: object) -> Location:
    """One of the real cities (see CITIES), with overrides."""
    return make_location(slug=slug, **{**CITIES[slug], **overrides})


def make_category(slug: str = "cars") -> Category:
    name, singular, position = CATEGORY_DEFAULTS[slug]
    category, _ = Category.objects.get_or_create(
        slug=slug, defaults={"name": name, "singular": singular, "position": position}
    )
    return category


def make_asset(
    category: str = "cars", location: Location | None = None, **overrides: object
) -> Asset:
    location = location or make_location()
    n = next(_seq)
    fields = {
        "slug": f"{category}-asset-{n}",
        "name": f"Test {category} {n}",
        "brand": "Testmarque",
        "category": make_category(category),
        "home_location": location,
        "specs": SPEC_DEFAULTS[category],
        "pricing_unit": PricingUnit.DAY,
        "base_rate_minor": 100_000,
        "currency": location.currency,
        "min_duration": 1,
        "security_deposit_minor": 500_000,
        "turnaround_minutes": 120,
        "min_notice_hours": 24,
        "max_advance_days": 365,
    }
    fields.update(overrides)
    asset = Asset.objects.create(**fields)
    AssetImage.objects.create(
        asset=asset, src=f"midas/art/{category}-1.svg", alt=asset.name, width=1200, height=800
    )
    return asset


def make_season(**fields: object) -> SeasonalRate:
    fields.setdefault("name", "Peak")
    return SeasonalRate.objects.create(**fields)


def make_addon(
    code: str,
    pricing: str = AddOnPricing.PER_UNIT,
    categories: tuple[str, ...] = ("cars",),
    **overrides: object,
) -> AddOn:
    fields = {"name": code.replace("-", " ").title(), "pricing": pricing}
    fields.update(overrides)
    addon = AddOn.objects.create(code=code, **fields)
    addon.categories.set([make_category(c) for c in categories])
    return addon


def make_customer(
    email: str = "ada@example.com", *, verified: bool = True, **fields: object
) -> User:
    """A customer who can sign in with PASSWORD (verified unless ``verified=False``)."""
    defaults: dict[str, object] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "date_of_birth": dt.date(1990, 5, 17),
        "email_verified_at": timezone.now() if verified else None,
    }
    defaults.update(fields)
    return User.objects.create_user(email, PASSWORD, **defaults)
