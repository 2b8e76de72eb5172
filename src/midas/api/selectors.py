"""The reads behind the API: lookups by slug (404 with a code), the asset list and its
filters, and reading a ``[start, end)`` window from query text.

Occupancy itself is ``midas.bookings.selectors``'s; this module only shapes querysets so
that each endpoint costs a fixed number of queries whatever the page size.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict

from django.db.models import Q, QuerySet

from midas.bookings.ranges import MAX_WINDOW, read_window
from midas.bookings.selectors import busy_asset_ids
from midas.catalog.models import Asset, Category, Location
from midas.errors import AppError, ErrorCode

__all__ = [
    "MAX_WINDOW",
    "asset_by_slug",
    "busy_ids",
    "catalogue_assets",
    "category_by_slug",
    "location_by_slug",
    "read_window",
]


def location_by_slug(slug: str, *, field: str = "location") -> Location:
    location = Location.objects.filter(slug=slug).first()
    if location is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no location {slug!r}", field=field)
    return location


def category_by_slug(slug: str, *, field: str = "category") -> Category:
    category = Category.objects.filter(slug=slug).first()
    if category is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no category {slug!r}", field=field)
    return category


def asset_by_slug(slug: str, *, field: str = "asset", detail: bool = False) -> Asset:
    """An active asset with its category and home location; with ``detail`` its images and
    delivery locations too. Inactive assets are not in the catalogue: 404."""
    assets = Asset.objects.active().select_related("category", "home_location")
    if detail:
        assets = assets.prefetch_related("images", "delivery_locations")
    asset = assets.filter(slug=slug).first()
    if asset is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no asset {slug!r}", field=field)
    return asset


def catalogue_assets(
    *,
    category: str | None = None,
    city: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> QuerySet[Asset]:
    """Active assets of a category, serving a city (home or delivery), free for
    ``[start, end)`` when both are given; ready for pagination (related rows joined or
    prefetched, so a page costs the same queries whatever its size)."""
    if (start is None) != (end is None):
        missing = "end" if end is None else "start"
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "give both start and end to filter by availability",
            field=missing,
        )
    assets = Asset.objects.active()
    if category is not None:
        assets = assets.filter(category=category_by_slug(category))
    place = None
    if city is not None:
        place = location_by_slug(city, field="city")
        delivered = Asset.delivery_locations.through.objects.filter(location=place)
        assets = assets.filter(Q(home_location=place) | Q(pk__in=delivered.values("asset_id")))
    if start is not None and end is not None:
        busy = busy_ids(assets, start, end, place.tz if place else None)
        assets = assets.exclude(pk__in=busy)
    return assets.select_related("category", "home_location").prefetch_related("images")


def busy_ids(
    assets: QuerySet[Asset], start_text: str, end_text: str, tz: zoneinfo.ZoneInfo | None
) -> set[int]:
    """The assets occupied during the window. Bare dates are read in ``tz`` when given,
    else in each asset's home time zone: one occupancy query per zone met."""
    read_window(start_text, end_text, tz or zoneinfo.ZoneInfo("UTC"))  # refuse bad input early
    candidates = assets.select_related("home_location").only(
        "turnaround_minutes", "home_location__timezone"
    )
    by_zone: dict[str, list[Asset]] = defaultdict(list)
    for asset in candidates:
        by_zone[tz.key if tz else asset.home_location.timezone].append(asset)
    busy: set[int] = set()
    for zone, members in by_zone.items():
        start, end = read_window(start_text, end_text, zoneinfo.ZoneInfo(zone))
        busy |= busy_asset_ids(members, start, end)
    return busy
