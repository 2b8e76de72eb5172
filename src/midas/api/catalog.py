"""Catalogue endpoints: locations, categories, assets, an asset's availability."""

from typing import Annotated, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from midas.api import selectors
from midas.api.openapi import DEPENDENT_REQUIRED
from midas.api.pagination import LimitOffset
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
from midas.catalog.selectors import MAX_PRICE

router = Router(tags=["catalogue"])

# 404 an unknown slug (with its field); 422 end not after start, a window over 400 days,
# price_max below price_min
ERRORS = errors(404, 422)


Price = Annotated[
    int,
    Field(ge=0, le=MAX_PRICE, description="Whole major units per pricing unit (USD 1,000 / day)"),
]


class AssetFilters(Schema):
    """The collection page's filters (``midas.bookings.search.AssetSearch``)."""

    category: Slug | None = None
    city: Slug | None = None
    start: InstantText | None = None
    end: InstantText | None = None
    price_min: Price | None = None
    price_max: Price | None = None
    sort: Literal["catalogue", "featured", "price", "-price", "name"] = Field(
        "catalogue",
        description="catalogue (by category, dearest first), featured, price (low to high), "
        "-price (high to low) or name",
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
@paginate(LimitOffset)
def list_assets(
    request: HttpRequest, filters: Query[AssetFilters]
) -> QuerySet[Asset] | list[Asset]:
    """Active assets; by category, by city served, by price, free for ``[start, end)``,
    in the order asked: the collection page's search."""
    return selectors.catalogue_assets(**filters.dict())


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
