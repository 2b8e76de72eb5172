"""The reads behind the API: lookups by slug (404 with a code), the asset list and its
filters, and reading a ``[start, end)`` window from query text.

The asset list is the catalogue search the collection page uses (``midas.bookings.search``)
and occupancy is ``midas.bookings.selectors``'s; this module reads slugs and shapes
querysets so that each endpoint costs a fixed number of queries whatever the page size.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from django.db.models import QuerySet

from midas.bookings.pricing.catalogue import load_pricing
from midas.bookings.ranges import MAX_WINDOW, read_window
from midas.bookings.search import AssetSearch, require_both_dates, search_assets
from midas.catalog.display_prices import DEFAULT_CURRENCY, display_rates
from midas.catalog.models import Asset, Category, Location
from midas.catalog.selectors import Sort, VersionMemo, catalog_version, makes_by_slug
from midas.errors import AppError, ErrorCode

T = TypeVar("T")

# What the API keeps per catalogue version in this process, apart from the pages' memo (whose
# search keys are as many as the searches made, and which stops keeping when full): the
# quote assets (at most the catalogue), the slugs read (categories, cities, makes, display
# currencies) and the assets' JSON texts per display currency and origin (``api.rows``).
api_memo = VersionMemo(limit=2048)

__all__ = [
    "MAX_WINDOW",
    "asset_by_slug",
    "asset_for_quote",
    "catalogue_assets",
    "catalogue_search",
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


def asset_for_quote(slug: str, *, version: int | None = None) -> Asset:
    """``asset_by_slug`` with everything its quote reads (``pricing.catalogue``: seasons,
    discounts, tier rules, add-ons, delivery cities, its jet profile and the airports),
    kept per catalogue version in this process (``api_memo``, nothing to unpickle):
    one query (the version, unless given) when kept. Sound because every write to any of it
    moves the version in its own transaction and the version is read before the rows, so
    a kept asset never holds less than its version says; availability is not in it
    (``is_free`` asks the database on every quote); an absence is not kept. The asset is
    shared between requests and threads: pricing only reads it."""
    if version is None:
        version = catalog_version()
    return api_memo.get(version, ("quote-asset", slug), lambda: load_asset_for_quote(slug))


def load_asset_for_quote(slug: str) -> Asset:
    found = (
        Asset.objects.active()
        .select_related("category", "home_location", "jet", "jet__base_airport")
        .filter(slug=slug)
        .first()
    )
    if found is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no asset {slug!r}", field="asset")
    return load_pricing(found)


def catalogue_assets(
    *,
    category: str | None = None,
    city: str | None = None,
    start: str | None = None,
    end: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    sort: str | None = None,
    q: str | None = None,
    make: str | None = None,
    subcategory: str | None = None,
    guests: int | None = None,
    currency: str = DEFAULT_CURRENCY,
    version: int | None = None,
) -> QuerySet[Asset] | list[Asset]:
    """``GET /assets``: the catalogue search (``midas.bookings.search``, the collection
    page's too) with the category, city, make and display currency read from their slugs
    and codes (404 with the field). With ``version`` (the catalogue version, read before)
    the slugs and the catalogue half are kept per version in this process and only
    availability is asked of the database (``catalogue_search`` and ``search_assets``)."""
    search = catalogue_search(
        category=category,
        city=city,
        start=start,
        end=end,
        price_min=price_min,
        price_max=price_max,
        sort=sort,
        q=q,
        make=make,
        subcategory=subcategory,
        guests=guests,
        currency=currency,
        version=version,
    )
    return search_assets(search, version=version)


def catalogue_search(
    *,
    category: str | None = None,
    city: str | None = None,
    start: str | None = None,
    end: str | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    sort: str | None = None,
    q: str | None = None,
    make: str | None = None,
    subcategory: str | None = None,
    guests: int | None = None,
    currency: str = DEFAULT_CURRENCY,
    version: int | None = None,
) -> AssetSearch:
    """The ``AssetSearch`` of ``GET /assets``'s parameters, its slugs and codes read (per
    catalogue version with ``version``: categories, cities, makes and exchange rates are
    all catalogue writes, which move it)."""
    require_both_dates(start, end)  # before the slugs, as ever

    def kept(kind: str, slug: str, read: Callable[[str], T]) -> T:
        if version is None:
            return read(slug)
        return api_memo.get(version, (kind, slug), lambda: read(slug))

    return AssetSearch(
        category=kept("category", category, category_by_slug) if category is not None else None,
        location=kept("city", city, partial(location_by_slug, field="city"))
        if city is not None
        else None,
        start=start,
        end=end,
        price_min=price_min,
        price_max=price_max,
        sort=sort or (Sort.RELEVANCE if (q or "").strip() else Sort.CATALOGUE),
        text=q or "",
        make=kept("make", make, make_by_slug) if make is not None else None,
        subcategory=subcategory,
        guests=guests,
        currency=kept("currency", currency, display_currency),
    )


def make_by_slug(slug: str) -> str:
    brand = makes_by_slug().get(slug)
    if brand is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no make {slug!r}", field="make")
    return brand


def display_currency(code: str) -> str:
    """``code`` when the exchange-rate table has it (the default costs no query)."""
    if code == DEFAULT_CURRENCY:
        return code
    if code not in display_rates():
        raise AppError(ErrorCode.NOT_FOUND, f"no exchange rate for {code!r}", field="currency")
    return code
