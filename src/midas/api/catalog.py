"""Catalogue endpoints: locations, categories, assets, an asset's availability."""

from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from midas.api import selectors
from midas.api.openapi import DEPENDENT_REQUIRED
from midas.api.pagination import LimitOffset
from midas.api.rows import asset_rows, paginate_rows
from midas.api.schemas import (
    AssetDetailOut,
    AssetSummaryOut,
    AvailabilityOut,
    CategoryOut,
    InstantText,
    LocationOut,
    Slug,
    errors,
)
from midas.bookings.selectors import busy_periods, is_free
from midas.catalog.models import Asset, Category, Location
from midas.catalog.search import MAX_QUERY_LENGTH
from midas.catalog.selectors import MAX_PRICE
from midas.catalog.specs import SUBCATEGORIES

router = Router(tags=["catalogue"])

# 404 an unknown slug, make or display currency (with its field); 422 end not after start,
# a window over 400 days, price_max below price_min
ERRORS = errors(404, 422)


Price = Annotated[
    int,
    Field(
        ge=0,
        le=MAX_PRICE,
        description="Whole major units of `currency` per day, approximate: an hourly rate "
        "counts 8 hours, a trip its minimum; converted through the exchange-rate table",
    ),
]
BODY_STYLES = sorted(kind for kinds in SUBCATEGORIES.values() for kind in kinds)


class AssetFilters(Schema):
    """The collection page's filters (``midas.bookings.search.AssetSearch``)."""

    q: str | None = Field(
        None,
        max_length=MAX_QUERY_LENGTH,
        description="Words to find in names, makes, models, features and descriptions; "
        "every word must match (as a prefix), a make misspelt by a letter or two still does",
    )
    category: Slug | None = None
    make: Slug | None = Field(None, description="A make (brand) as a slug: rolls-royce")
    subcategory: str | None = Field(
        None,
        pattern=f"^({'|'.join(BODY_STYLES)})$",
        description=f"Body style or class: {', '.join(BODY_STYLES)}",
    )
    guests: int | None = Field(
        None, ge=1, le=500, description="At least this many seats, guests or passengers"
    )
    city: Slug | None = None
    start: InstantText | None = None
    end: InstantText | None = None
    price_min: Price | None = None
    price_max: Price | None = None
    currency: str = Field(
        "USD",
        pattern=r"^[A-Z]{3}$",
        description="The currency of price_min/price_max and of each asset's approx_day_price "
        "(a currency of the exchange-rate table); charges are always in the asset's currency",
    )
    sort: Literal["catalogue", "featured", "price", "-price", "name", "relevance"] | None = Field(
        None,
        description="catalogue (by category, dearest first; the default without q), featured, "
        "price (low to high), -price (high to low), both by the approximate day price, name, "
        "or relevance (best match first; the default with q)",
    )


class Window(Schema):
    start: InstantText
    end: InstantText


@router.get("/locations", response={200: list[LocationOut]})
@paginate(LimitOffset)
def list_locations(request: HttpRequest) -> QuerySet[Location]:
    """The cities Midas serves."""
    return Location.objects.all()


@router.get("/categories", response={200: list[CategoryOut]})
@paginate(LimitOffset)
def list_categories(request: HttpRequest) -> QuerySet[Category]:
    """Cars, yachts, jets, villas."""
    return Category.objects.all()


@router.get(
    "/assets",
    response={200: list[AssetSummaryOut], **ERRORS},
    openapi_extra={DEPENDENT_REQUIRED: {"start": ["end"], "end": ["start"]}},
)
@paginate_rows(LimitOffset)
def list_assets(request: HttpRequest, filters: Query[AssetFilters]) -> list[bytes]:
    """Active assets; by words, category, make, body style, guests, city served, price
    (approximate per day in ``currency``), free for ``[start, end)``, in the order asked:
    the collection page's search."""
    # each asset serialised once per catalogue version (midas.api.rows)
    return asset_rows(request, **filters.dict())


@router.get("/assets/{slug:slug}", response={200: AssetDetailOut, **errors(404)})
def get_asset(request: HttpRequest, slug: str) -> Asset:
    """One asset with its specifications, images, terms and the extras offered for it."""
    return selectors.asset_by_slug(slug, field="slug", detail=True)


@router.get("/assets/{slug:slug}/availability", response={200: AvailabilityOut, **ERRORS})
def asset_availability(request: HttpRequest, slug: str, window: Query[Window]) -> dict:
    """Busy periods (turnaround included) clipped to the window, and whether a booking of
    exactly the window would fit."""
    asset = selectors.asset_by_slug(slug, field="slug")
    tz = asset.home_location.tz
    start, end = selectors.read_window(window.start, window.end, tz)
    return {
        "asset": asset.slug,
        "timezone": tz.key,
        "start": start,
        "end": end,
        "free": is_free(asset, start, end),
        "busy": busy_periods(asset, start, end),
    }
