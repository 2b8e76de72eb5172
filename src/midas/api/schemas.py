"""What the API reads and answers: one schema per shape, documented in docs/api.md.

Times go out as ISO 8601 in UTC with an explicit ``+00:00`` offset; money as an integer
count of minor units next to its ISO 4217 ``currency``.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from django.conf import settings
from ninja import Field, Schema
from pydantic import (
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)
from pydantic.config import JsonDict

from midas.bookings.pricing import LINE_KINDS, offered_addons
from midas.catalog.models import AddOnPricing, AssetImage, BookingMode, PricingUnit
from midas.money import minor_per_major

SLUG = r"^[-a-zA-Z0-9_]+$"
SLUG_MAX = 80
INSTANT_MAX = 40  # longer than any text INSTANT matches

# The ISO 8601 texts the API reads as instants (midas.core.ranges.parse_instant): a date
# (2027-03-12), a wall-clock date-time (2027-03-12T10:00, seconds and up to 6 decimals
# optional), or either with an offset (Z, +04:00). Years 2000-2200, and only days that exist
# (29 February in leap years). The pattern is the contract: it is in the schema and it is
# what the API enforces, so every text it matches parses and any other is 400 invalid_input.
_YEAR = r"(?:2[01][0-9]{2}|2200)"
_LEAP_YEAR = r"(?:20(?:[02468][048]|[13579][26])|21(?:0[48]|[2468][048]|[13579][26]))"
_MONTH_DAY = (
    r"(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)"
    r"|02-(?:0[1-9]|1[0-9]|2[0-8]))"
)
_TIME = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
_OFFSET = r"(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])"
INSTANT = rf"^(?:{_YEAR}-{_MONTH_DAY}|{_LEAP_YEAR}-02-29)(?:T{_TIME}{_OFFSET}?)?$"

# No text the API reads holds a NUL character: PostgreSQL cannot store one, nor compare with
# one (it was a 500 there, and fine on SQLite). Every string input says so with a pattern.
NO_NUL = r"^[^\x00]*$"
Slug = Annotated[str, Field(pattern=SLUG, max_length=SLUG_MAX)]
InstantText = Annotated[
    str,
    Field(
        pattern=INSTANT,
        max_length=INSTANT_MAX,
        description="ISO 8601: a date (2027-03-12), a date-time in the location's time zone "
        "(2027-03-12T10:00) or an instant with its offset (2027-03-12T10:00:00+04:00, ...Z); "
        "years 2000-2200",
        examples=["2027-03-12", "2027-03-12T10:00", "2027-03-12T10:00:00Z"],
    ),
]


def one_of(*values: str) -> dict[str, Any]:
    """``json_schema_extra`` for an answer's string field that takes only ``values``."""
    return {"enum": list(values)}


ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date_text(value: object) -> object:
    """A calendar date is the text YYYY-MM-DD (JSON Schema's ``format: date``), never the
    number or the date-time pydantic would also take for one."""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        return value
    raise ValueError("write the date as year-month-day, e.g. 1990-05-17")


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


def utc_iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


Instant = Annotated[
    dt.datetime,
    PlainSerializer(utc_iso, return_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]


class ErrorOut(Schema):
    """Every error answer: ``code`` is machine-readable (docs/api.md#errors), ``field`` the
    input to blame when there is one."""

    code: str = Field(examples=["invalid_input", "not_found", "slot_unavailable"])
    message: str
    field: str | None = Field(None, examples=["start", "extras.0", "limit", "slug"])


def errors(*statuses: int) -> dict[int, type[ErrorOut]]:
    """The error answers an operation declares, each in the one error shape. Those every
    operation can give (503 maintenance, 403 the access gate; 400, 413 and 415 for a body)
    are added to all of them by ``midas.api.routes``."""
    return dict.fromkeys(statuses, ErrorOut)


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


class ApproxPriceOut(Schema):
    amount: int = Field(description="Minor units, rounded")
    currency: str


class AssetSummaryOut(Schema):
    slug: str
    name: str
    brand: str
    category: str
    home_location: LocationRef
    summary: str
    pricing_unit: str = Field(json_schema_extra=one_of(*PricingUnit.values))
    base_rate: int = Field(description="Rate per pricing unit, in minor units")
    currency: str
    booking_mode: str = Field(json_schema_extra=one_of(*BookingMode.values))
    is_featured: bool
    image: ImageOut | None
    approx_day_price: ApproxPriceOut | None = Field(
        description="The rate as an approximate amount per day in the display currency asked "
        "(`currency`), for comparing; never charged (null without an exchange rate)"
    )

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.category.slug

    @staticmethod
    def resolve_base_rate(obj: Any) -> int:
        return obj.base_rate_minor

    @staticmethod
    def resolve_approx_day_price(obj: Any) -> dict[str, object] | None:
        major, currency = getattr(obj, "day_price", None), getattr(obj, "day_price_currency", "")
        if major is None or not currency:
            return None
        return {"amount": round(major * minor_per_major(currency)), "currency": currency}

    @staticmethod
    def resolve_image(obj: Any) -> AssetImage | None:
        images = obj.gallery  # prefetched: the cover photo, or else the first drawing
        return images[0] if images else None


class SpecRowOut(Schema):
    label: str
    value: str


class AddOnOut(Schema):
    code: str
    name: str
    description: str
    pricing: str = Field(
        description="per_unit | flat | percent", json_schema_extra=one_of(*AddOnPricing.values)
    )
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
    pricing_unit: str = Field(json_schema_extra=one_of(*PricingUnit.values))
    base_rate: int
    currency: str
    security_deposit: int
    delivery_fee: int
    min_duration: int = Field(description="Minimum number of pricing units")
    min_notice_hours: int
    max_advance_days: int
    min_renter_age: int
    booking_mode: str = Field(json_schema_extra=one_of(*BookingMode.values))
    home_location: LocationRef
    delivery_locations: list[LocationRef]
    extras: list[AddOnOut]

    @staticmethod
    def resolve_category(obj: Any) -> str:
        return obj.category.slug

    @staticmethod
    def resolve_images(obj: Any) -> list[AssetImage]:
        return obj.gallery  # the published photos, cover first, or else the drawings

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


IATA = Annotated[str, Field(pattern=r"^[A-Za-z]{3}$", examples=["DXB", "IAD"])]
MAX_GUESTS = 500  # past any asset's capacity; the asset's own is checked (over_capacity)
# A quote is either a period (start and end) or a jet's route (origin and destination).
PERIOD_OR_ROUTE: JsonDict = {
    "anyOf": [
        {"required": ["end"], "properties": {"end": {"type": "string"}}},
        {
            "required": ["origin", "destination"],
            "properties": {"origin": {"type": "string"}, "destination": {"type": "string"}},
        },
    ]
}


class QuoteIn(Schema):
    model_config = ConfigDict(json_schema_extra=PERIOD_OR_ROUTE)

    asset: Slug
    start: InstantText = Field(
        description="The start; for a jet priced by route, the departure (origin's local time)"
    )
    origin: IATA | None = Field(None, description="A jet's route: IATA code flown from")
    destination: IATA | None = Field(None, description="A jet's route: IATA code flown to")
    end: InstantText | None = Field(
        None,
        validate_default=True,
        description="Required, except for a jet's route (origin and destination instead)",
    )
    return_at: InstantText | None = Field(
        None, description="A jet's return leg: when it leaves the destination (its local time)"
    )
    location: Slug | None = None
    extras: list[Annotated[str, Field(max_length=SLUG_MAX, pattern=NO_NUL)]] = Field(
        default_factory=list, max_length=20
    )
    guests: int | None = Field(
        None,
        ge=1,
        le=MAX_GUESTS,
        description="Guests or passengers; optional, at most the asset's capacity "
        "(422 over_capacity)",
    )

    @field_validator("end")
    @classmethod
    def end_or_route(cls, end: str | None, info: ValidationInfo) -> str | None:
        if end is None and not (info.data.get("origin") or info.data.get("destination")):
            raise ValueError("Field required: an end, or a jet's origin and destination")
        return end


class QuoteLineOut(Schema):
    kind: str = Field(
        description="rental | discount | tier | extra | delivery | service_fee | tax; a "
        "discount is negative, a tier line signed, the others never negative",
        json_schema_extra=one_of(*LINE_KINDS),
    )
    code: str
    label: str
    quantity: int
    unit_amount: int
    amount: int


class LegOut(Schema):
    kind: str = Field(json_schema_extra=one_of("positioning", "flight", "return"))
    origin: str
    destination: str
    departs: Instant
    arrives: Instant
    distance_km: int
    minutes: int = Field(description="Estimated flight time, taxi and climb included")
    billed_minutes: int = Field(description="At least the jet's minimum per leg")


class TripOut(Schema):
    origin: str
    destination: str
    departure: Instant
    return_at: Instant | None
    legs: list[LegOut]
    flight_minutes: int


class QuoteOut(Schema):
    asset: str
    location: str
    start: Instant
    end: Instant
    unit: str = Field(json_schema_extra=one_of(*PricingUnit.values))
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
    guests: int | None
    discount: int = Field(description="The length discount (negative or 0)")
    tier: str = Field(description="The customer's service tier when a rule of it applied")
    perks: list[str] = Field(description="What the customer's service tier adds")
    trip: TripOut | None = Field(description="A jet's route as priced, else null")
