"""The tests' one factories module: plain functions with sensible defaults, overridable by
keyword — the catalogue (locations, categories, assets, seasons, add-ons), customers and
staff, bookings (held, paid) and the outbox they fill."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.models import Booking
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
from midas.notifications.models import OutboxMessage

_seq = itertools.count(1)
PASSWORD = "velvet-harbour-1912"
NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)  # the root conftest's ``now``

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


def make_driver(**overrides: object) -> User:
    """A customer who may book anything: a fresh address, a driving licence on file, the
    address verified a month before ``NOW``."""
    n = next(_seq)
    fields: dict[str, object] = {
        "last_name": f"Customer{n}",
        "date_of_birth": dt.date(1985, 5, 17),
        "licence_number": f"D{n:07d}",
        "licence_country": "US",
        "licence_expiry": dt.date(2035, 1, 1),
        "email_verified_at": NOW - dt.timedelta(days=30),
    }
    fields.update(overrides)
    email = str(fields.pop("email", f"customer{n}@example.com"))
    return make_customer(email, **fields)


def make_staff(**overrides: object) -> User:
    """A staff member (``is_staff``) who may also book."""
    return make_driver(is_staff=True, **overrides)


def make_booking(
    *,
    customer: User | None = None,
    asset: Asset | None = None,
    days_ahead: float = 10,
    length_days: float = 2,
    now: dt.datetime = NOW,
    **kwargs: object,
) -> Booking:
    """A held (or, for request-to-book assets, requested) booking starting ``days_ahead``."""
    from midas.bookings.services import booking_create

    start = (now + dt.timedelta(days=days_ahead)).replace(minute=0, second=0, microsecond=0)
    return booking_create(
        customer=customer or make_driver(),
        asset=asset or make_asset(),
        start=start,
        end=start + dt.timedelta(days=length_days),
        now=now,
        **kwargs,
    )


def make_paid_booking(
    *, card: str = "4242424242424242", now: dt.datetime = NOW, **kwargs: object
) -> Booking:
    """A booking paid with a sandbox test card (confirmed)."""
    from midas.payments.services import payment_pay_booking

    booking = make_booking(now=now, **kwargs)
    outcome = payment_pay_booking(booking=booking, payment_method=card, now=now)
    assert outcome.status == "succeeded", outcome
    return outcome.booking


def outbox(**filters: object) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(**filters).order_by("id"))


def templates_sent(to: str | None = None) -> list[str]:
    rows = OutboxMessage.objects.order_by("id")
    if to:
        rows = rows.filter(to=to)
    return list(rows.values_list("template", flat=True))
