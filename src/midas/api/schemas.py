"""What the API reads and answers: one schema per shape, documented in docs/api.md.

Times go out as ISO 8601 in UTC with an explicit ``+00:00`` offset; money as an integer
count of minor units next to its ISO 4217 ``currency``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import PlainSerializer, WithJsonSchema

from midas.bookings.pricing import offered_addons
from midas.catalog.models import AssetImage

SLUG = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX = 80
INSTANT_MAX = 40  # longest ISO 8601 text worth parsing

Slug = Annotated[str, Field(pattern=SLUG, max_length=SLUG_MAX)]
InstantText = Annotated[
    str, Field(max_length=INSTANT_MAX, description="ISO 8601 date or date-time")
]


def _utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


Instant = Annotated[
    dt.datetime,
    PlainSerializer(_utc_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


# --- Catalogue ------------------------------------------------------------------------------


class LocationOut(Schema):
    slug: str
    city: str
    region: str
    country: str
    timezone: str
    currency: str
    tax_rate_bp: int
    service_fee_bp: int
    tagline: str


class LocationRef(Schema):
    slug: str
    city: str
    timezone: str


class CategoryOut(Schema):
    slug: str
    name: str
    singular: str
    tagline: str
    description: str


class ImageOut(Schema):
    url: str
    width: int
    height: int
    alt: str

    @staticmethod
    def resolve_url(obj: AssetImage, context: dict[str, Any] | None) -> str:
        return image_url(obj, context)


def image_url(image: AssetImage, context: dict[str, Any] | None) -> str:
    """The absolute URL of an image. A static path missing from the manifest is served by
    its plain path rather than failing the whole response."""
    try:
        url = image.url
    except ValueError:
        url = settings.STATIC_URL + image.src
    request = (context or {}).get("request")
    return request.build_absolute_uri(url) if request is not None else url


class AssetSummaryOut(Schema):
    slug: str
    name: str
    brand: str
    category: str
    home_location: LocationRef
    summary: str
    pricing_unit: str
    base_rate: int = Field(description="Rate per pricing unit, in minor units")
    currency: str
    booking_mode: str
    is_featured: bool
    image: ImageOut | None

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.category.slug

    @staticmethod
    def resolve_base_rate(obj: Any) -> int:
        return obj.base_rate_minor

    @staticmethod
    def resolve_image(obj: Any) -> AssetImage | None:
        images = list(obj.images.all())  # prefetched
        return images[0] if images else None


class SpecRowOut(Schema):
    label: str
    value: str


class AddOnOut(Schema):
    code: str
    name: str
    description: str
    pricing: str = Field(description="per_unit | flat | percent")
    amount: int | None = Field(description="Minor units in the asset's currency, or null")
    rate_bp: int | None = Field(description="Basis points of the rental for percent add-ons")


class AssetDetailOut(Schema):
    slug: str
    name: str
    brand: str
    category: str
    summary: str
    description: str
    specs: dict[str, Any]
    spec_rows: list[SpecRowOut]
    features: list[Any]
    images: list[ImageOut]
    pricing_unit: str
    base_rate: int
    currency: str
    security_deposit: int
    delivery_fee: int
    min_duration: int = Field(description="Minimum number of pricing units")
    min_notice_hours: int
    max_advance_days: int
    min_renter_age: int
    booking_mode: str
    home_location: LocationRef
    delivery_locations: list[LocationRef]
    extras: list[AddOnOut]

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.category.slug

    @staticmethod
    def resolve_spec_rows(obj: Any) -> list[dict[str, str]]:
        return [{"label": label, "value": value} for label, value in obj.spec_rows]

    @staticmethod
    def resolve_base_rate(obj: Any) -> int:
        return obj.base_rate_minor

    @staticmethod
    def resolve_security_deposit(obj: Any) -> int:
        return obj.security_deposit_minor

    @staticmethod
    def resolve_delivery_fee(obj: Any) -> int:
        return obj.delivery_fee_minor

    @staticmethod
    def resolve_extras(obj: Any) -> list[dict[str, Any]]:
        return [
            {
                "code": addon.code,
                "name": addon.name,
                "description": addon.description,
                "pricing": addon.pricing,
                "amount": _amount(addon.amounts.get(obj.currency)),
                "rate_bp": addon.rate_bp,
            }
            for addon in offered_addons(obj)
        ]


def _amount(value: object) -> int | None:
    return None if value is None else int(value)  # type: ignore[call-overload]


class PeriodOut(Schema):
    start: Instant
    end: Instant


class AvailabilityOut(Schema):
    asset: str
    timezone: str
    start: Instant
    end: Instant
    free: bool = Field(description="Whether a booking of exactly [start, end) fits")
    busy: list[PeriodOut]


# --- Quotes ---------------------------------------------------------------------------------


class QuoteIn(Schema):
    asset: Slug
    start: InstantText
    end: InstantText
    location: Slug | None = None
    extras: list[Annotated[str, Field(max_length=SLUG_MAX)]] = Field(
        default_factory=list, max_length=20
    )


class QuoteLineOut(Schema):
    kind: str = Field(description="rental | extra | delivery | service_fee | tax")
    code: str
    label: str
    quantity: int
    unit_amount: int
    amount: int


class QuoteOut(Schema):
    asset: str
    location: str
    start: Instant
    end: Instant
    unit: str
    units: int
    unit_label: str
    currency: str
    lines: list[QuoteLineOut]
    subtotal: int
    service_fee: int
    tax: int
    total: int = Field(description="Sum of the lines; the deposit is not part of it")
    security_deposit: int = Field(description="A hold, shown apart, never in the total")
    available: bool
