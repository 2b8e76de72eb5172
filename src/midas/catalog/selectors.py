"""Catalogue reads for the pages and the API: the collection with its filters, featured
assets, the categories and cities, one asset with everything its page shows.

Pure catalogue: nothing here knows about reservations. The search with dates (free for
``[start, end)``) is ``midas.bookings.search``, which builds on ``matching`` below.

Every function returns rows with their relations already loaded (``select_related`` /
``prefetch_related``), so a page renders in a fixed number of queries however many cards
it shows.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, InterfaceError, OperationalError, connection, connections
from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import Combinable, RawSQL
from django.utils.text import slugify

from midas.catalog import display_prices
from midas.catalog.models import Asset, AssetImage, CatalogVersion, Category, Location
from midas.catalog.search import ranked_asset_ids
from midas.catalog.specs import CAPACITY_SPEC
from midas.core.hot_reads import fetch_all
from midas.money import EXPONENTS, minor_per_major


class Sort:
    CATALOGUE = "catalogue"  # the model's order: by category, dearest first (the API's default)
    FEATURED = "featured"
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    NAME = "name"
    RELEVANCE = "relevance"  # best match first: with a text query only

    CHOICES = (  # what the collection page offers
        (RELEVANCE, "Best match"),
        (FEATURED, "Featured"),
        (PRICE_ASC, "Price: low to high"),
        (PRICE_DESC, "Price: high to low"),
        (NAME, "Name"),
    )
    ALL = (CATALOGUE, FEATURED, PRICE_ASC, PRICE_DESC, NAME, RELEVANCE)


# Prices sort by the approximate day price in the display currency (display_prices): AED and
# USD, hours and days compared like with like; an asset without a figure comes last.
ORDERINGS: dict[str, tuple[str | Combinable, ...]] = {
    Sort.CATALOGUE: ("category__position", "-base_rate_minor", "name"),
    Sort.FEATURED: ("-is_featured", "category__position", "-base_rate_minor", "name"),
    Sort.PRICE_ASC: (F("day_price").asc(nulls_last=True), "name"),
    Sort.PRICE_DESC: (F("day_price").desc(nulls_last=True), "name"),
    Sort.NAME: ("name", "brand"),
}
MAX_RANKED = 500  # a text query orders at most this many matches by rank

MAX_PRICE = 100_000_000  # whole major units; keeps minor amounts inside 64 bits


def card_assets() -> QuerySet[Asset]:
    """Active assets with what a card shows: category (for specs), city and images."""
    return (
        Asset.objects.active()
        .select_related("category", "home_location", "jet")
        .prefetch_related(
            Prefetch("images", queryset=AssetImage.objects.order_by("position", "id"))
        )
    )


def serving(location: Location) -> Q:
    """Assets based at ``location`` or delivered to it (no join, so no duplicates)."""
    delivered = Asset.delivery_locations.through.objects.filter(location=location).values(
        "asset_id"
    )
    return Q(home_location=location) | Q(pk__in=delivered)


def price_bound(field_lookup: str, major: int) -> Q:
    """``base_rate_minor`` compared with a whole major amount, per currency exponent
    (most currencies have 2 decimals; the few that do not are listed in EXPONENTS)."""
    lookup = f"base_rate_minor__{field_lookup}"
    condition = Q(~Q(currency__in=list(EXPONENTS)), **{lookup: major * minor_per_major("")})
    for code in EXPONENTS:
        condition |= Q(currency=code, **{lookup: major * minor_per_major(code)})
    return condition


def capacity_at_least(guests: int) -> Q:
    """Assets taking at least ``guests`` people, read in SQL from the spec that counts them
    in each category (``specs.CAPACITY_SPEC``: seats, guests, passengers)."""
    condition = Q(pk__in=[])
    for category, key in CAPACITY_SPEC.items():
        condition |= Q(category__slug=category, **{f"specs__{key}__gte": guests})
    return condition


def by_rank(ids: list[int]) -> RawSQL:
    """The position of each asset in ``ids`` (the text search's ranking), to order by. One
    SQL text of integers (ids from the database): a ``Case`` of 500 ``When`` took Django
    longer to compile than the query took to run."""
    whens = " ".join(f"WHEN {int(pk)} THEN {n}" for n, pk in enumerate(ids))
    table = Asset._meta.db_table
    sql = f"CASE {table}.id {whens} ELSE {len(ids)} END"
    return RawSQL(sql, [], output_field=IntegerField())  # noqa: S611 - integers only


def matching(
    *,
    category: Category | None = None,
    location: Location | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    sort: str = Sort.FEATURED,
    text: str = "",
    make: str | None = None,
    subcategory: str | None = None,
    guests: int | None = None,
    currency: str = display_prices.DEFAULT_CURRENCY,
) -> QuerySet[Asset]:
    """Active card-ready assets of ``category``, serving ``location`` (home or delivery),
    matching ``text`` (``catalog.search``), of the ``make`` (a brand as stored), the
    ``subcategory`` and taking ``guests``, whose approximate day price in ``currency``
    (``day_price``, annotated on each) lies within ``[price_min, price_max]`` whole major
    units, in the ``sort`` order (an unknown one is featured; relevance without text is
    featured).

    The catalogue's half of the search: ``midas.bookings.search`` adds availability.
    """
    assets = card_assets().annotate(
        day_price=display_prices.day_price(currency), day_price_currency=Value(currency)
    )
    if category is not None:
        assets = assets.filter(category=category)
    if location is not None:
        assets = assets.filter(serving(location))
    if make:
        assets = assets.filter(brand=make)
    if subcategory:
        assets = assets.filter(subcategory=subcategory)
    if guests is not None:
        assets = assets.filter(capacity_at_least(guests))
    if price_min is not None or price_max is not None:
        assets = assets.filter(display_prices.price_range(price_min, price_max))
    ranked: list[int] = []
    if text.strip():
        ranked = ranked_asset_ids(text)[:MAX_RANKED]
        assets = assets.filter(pk__in=ranked)
    if sort == Sort.RELEVANCE and ranked:
        return assets.order_by(by_rank(ranked), "name")
    return assets.order_by(*ORDERINGS.get(sort, ORDERINGS[Sort.FEATURED]))


def featured_assets(limit: int = 6) -> list[Asset]:
    """Featured assets, taking turns between categories so the home page shows range."""
    pool = list(card_assets().filter(is_featured=True).order_by(*ORDERINGS[Sort.FEATURED])[:60])
    queues: dict[int, list[Asset]] = defaultdict(list)
    for asset in pool:
        queues[asset.category_id].append(asset)
    chosen: list[Asset] = []
    while len(chosen) < limit and any(queues.values()):
        for queue in queues.values():
            if queue and len(chosen) < limit:
                chosen.append(queue.pop(0))
    return chosen


def categories_with_covers() -> list[Category]:
    """Categories with ``asset_count`` (active) and ``cover``: an unsaved ``AssetImage``
    of their first featured or dearest active asset (its cover photo, else its first
    drawing: ``Asset.gallery``), or ``None``."""
    first_image = (
        AssetImage.objects.published()
        .filter(asset__category=OuterRef("pk"), asset__is_active=True)
        .order_by(
            "-asset__is_featured",
            "-asset__base_rate_minor",
            "asset__name",
            Case(When(original="", then=Value(1)), default=Value(0)),  # photos first
            "position",
            "id",
        )
    )
    cover = ("src", "alt", "original", "variants", "width", "height")
    categories = list(
        Category.objects.annotate(
            asset_count=Count("assets", filter=Q(assets__is_active=True), distinct=True),
            **{f"cover_{name}": Subquery(first_image.values(name)[:1]) for name in cover},
        ).order_by("position", "name")  # Meta.ordering is not applied to aggregations
    )
    for category in categories:
        category.cover = (
            AssetImage(**{name: getattr(category, f"cover_{name}") for name in cover})
            if category.cover_width
            else None
        )
    return categories


def nav_categories() -> list[Category]:
    return list(Category.objects.all())


SEPARATOR = "\x1f"  # between the makes aggregated in listing_categories (unit separator)
MAKES_SQL = {
    "sqlite": "SELECT group_concat(brand, char(31)) FROM catalog_asset "
    "WHERE catalog_asset.category_id = catalog_category.id AND catalog_asset.is_active",
    "postgresql": "SELECT string_agg(brand, chr(31)) FROM catalog_asset "
    "WHERE catalog_asset.category_id = catalog_category.id AND catalog_asset.is_active",
}
RATES_SQL = {
    "sqlite": "SELECT group_concat(currency || '=' || per_usd, ',') FROM catalog_exchangerate",
    "postgresql": "SELECT string_agg(currency || '=' || per_usd::text, ',') "
    "FROM catalog_exchangerate",
}


@dataclass(frozen=True)
class Listing:
    """What the collection page's navigation and filters need, read in one query."""

    categories: list[Category]
    makes: dict[str, list[str]]  # category slug: the brands of its active assets, sorted
    rates: dict[str, Decimal]  # display currency: units per US dollar


def listing_categories() -> Listing:
    """The categories, the makes of each (its active assets' brands) and the display
    currencies' rates: one query, so the collection page's make filter and currency choice
    cost nothing on top of its navigation."""
    vendor = "postgresql" if connection.vendor == "postgresql" else "sqlite"
    rows = Category.objects.annotate(
        makes_text=RawSQL(f"({MAKES_SQL[vendor]})", []),  # noqa: S611 - constant SQL
        rates_text=RawSQL(f"({RATES_SQL[vendor]})", []),  # noqa: S611 - constant SQL
    )
    categories: list[Category] = []
    makes: dict[str, list[str]] = {}
    rates_text = None
    for row in rows:
        categories.append(row)
        makes[row.slug] = sorted(set(filter(None, (row.makes_text or "").split(SEPARATOR))))
        rates_text = row.rates_text
    rates = display_prices.parse_rates(rates_text)
    return Listing(categories, makes, rates or {display_prices.DEFAULT_CURRENCY: Decimal(1)})


def make_choices(makes: dict[str, list[str]], slugs: list[str]) -> dict[str, str]:
    """slug: brand, over the categories ``slugs`` (``Listing.makes``), by name."""
    brands = sorted({brand for slug in slugs for brand in makes.get(slug, [])})
    return {slugify(brand): brand for brand in brands}


def makes_by_slug() -> dict[str, str]:
    """slug: brand of the active catalogue (one query), for the API's ``make``."""
    brands = Asset.objects.active().order_by().values_list("brand", flat=True).distinct()
    return {slugify(brand): brand for brand in sorted(brands)}


def nav_locations() -> list[Location]:
    return list(Location.objects.all())


def locations_with_counts() -> list[Location]:
    """Cities with ``asset_count``: active assets based there or delivered there."""
    based = Count("home_assets", filter=Q(home_assets__is_active=True), distinct=True)
    delivered = Count("delivered_assets", filter=Q(delivered_assets__is_active=True), distinct=True)
    return list(
        Location.objects.annotate(based=based, delivered=delivered).order_by("position", "city")
    )


def asset_for_page(
    slug: str, *, include_inactive: bool = False, currency: str = display_prices.DEFAULT_CURRENCY
) -> Asset | None:
    """An active asset with its category, home, delivery cities and images; else ``None``.
    ``include_inactive`` (staff previewing an asset not yet live) finds it either way. Its
    approximate day price in ``currency`` comes with it (``day_price``, in the same query)."""
    assets = Asset.objects.all() if include_inactive else Asset.objects.active()
    return (
        assets.annotate(
            day_price=display_prices.day_price(currency), day_price_currency=Value(currency)
        )
        .select_related("category", "home_location", "jet")
        .prefetch_related(
            Prefetch("images", queryset=AssetImage.objects.order_by("position", "id")),
            Prefetch("delivery_locations", queryset=Location.objects.order_by("position", "city")),
        )
        .filter(slug=slug)
        .first()
    )


def served_locations(asset: Asset) -> list[Location]:
    """Where the asset can be used: its home first, then the cities it is delivered to."""
    others = [loc for loc in asset.delivery_locations.all() if loc.pk != asset.home_location_id]
    return [asset.home_location, *others]


def related_assets(asset: Asset, limit: int = 3) -> list[Asset]:
    """Other active assets of the same category, featured and dearest first."""
    return list(
        card_assets()
        .filter(category_id=asset.category_id)
        .exclude(pk=asset.pk)
        .order_by("-is_featured", "-base_rate_minor", "name")[:limit]
    )


def catalog_version() -> int:
    """The catalogue's content version (``services.catalog_version_bump``), 0 before the first
    write. Read on every cacheable page request: one primary-key lookup in plain SQL on the
    driver's cursor (``core.hot_reads``), a tenth of the same query through Django's cursor
    and a hundredth of it through the ORM."""
    db = connections[DEFAULT_DB_ALIAS]  # one look-up of this thread's connection
    table = db.ops.quote_name(CatalogVersion._meta.db_table)
    sql = f"SELECT value FROM {table} WHERE id = %s"  # noqa: S608

    def read() -> int:
        rows = fetch_all(db, sql, [CatalogVersion.ROW])
        return rows[0][0] if rows else 0

    return checked_first(db, read)


def page_versions() -> tuple[int, int]:
    """(contents, calendars): both versions in one query, for what shows both (a cached
    page with a calendar); 0 for a row not yet written. The first query of most page
    requests, so it doubles as the connection's health check (``checked_first``)."""
    db = connections[DEFAULT_DB_ALIAS]
    table = db.ops.quote_name(CatalogVersion._meta.db_table)
    sql = f"SELECT id, value FROM {table} WHERE id IN (%s, %s)"  # noqa: S608
    params = [CatalogVersion.ROW, CatalogVersion.CALENDAR_ROW]

    def read() -> tuple[int, int]:
        found = dict(fetch_all(db, sql, params))
        return found.get(CatalogVersion.ROW, 0), found.get(CatalogVersion.CALENDAR_ROW, 0)

    return checked_first(db, read)


T = TypeVar("T")


def checked_first(db: Any, read: Callable[[], T]) -> T:
    """``read()`` standing in for Django's connection health check (``CONN_HEALTH_CHECKS``,
    on for PostgreSQL): a kept connection is checked with a ``SELECT 1`` before a request's
    first query, a second round trip for a page-cache hit whose only query is this one.
    Here the read itself is the check: on a connection the server dropped (a restart) it
    fails, the connection is closed, and the read runs once more on a new one, as after
    Django's check. Only where Django would check (not inside a transaction)."""
    if (
        db.connection is None
        or not db.health_check_enabled
        or db.health_check_done
        or db.in_atomic_block
    ):
        return read()
    db.health_check_done = True  # this read is the check
    try:
        return read()
    except (InterfaceError, OperationalError):
        db.close()  # dropped by the server: a new connection answers, as after the check
        return read()


def request_page_versions(request: Any) -> tuple[int, int]:
    """``page_versions`` read once per request and remembered on it, the contents' version
    too (``request_catalog_version`` then answers without a query): the page cache reads
    both before the view it wraps reads its catalogue data under the first."""
    try:
        return request._midas_page_versions  # type: ignore[no-any-return]
    except AttributeError:
        versions = request._midas_page_versions = page_versions()
        request._midas_catalog_version = versions[0]
        return versions


def request_catalog_version(request: Any) -> int:
    """``catalog_version`` read once per request and remembered on it: the page cache and
    the view it wraps (or a view and the selectors it calls) key on the same value, and the
    first request after a write asks the database once, not once per reader. Sound because
    the value is read before any row it keys, by whichever reader comes first."""
    try:
        return request._midas_catalog_version  # type: ignore[no-any-return]
    except AttributeError:
        version = request._midas_catalog_version = catalog_version()
        return version


class VersionMemo:
    """Catalogue reads kept in this process for one catalogue version (``catalog_version``).

    The version is read once per request, before the rows, and every write that changes what
    the catalogue pages show moves it in its own transaction (reservations and releases too:
    docs/explanation/page-cache.md), so a value kept under a version is never older than
    that version: the first request after a write, in any process, reads afresh. Values are
    shared between requests and threads: callers must not change them. What no write
    announces is bounded as the page cache is: the whole memo is dropped after
    ``PAGE_CACHE_SECONDS``, and ``0`` turns it off. At most ``limit`` values a version.
    """

    def __init__(self, limit: int = 512) -> None:
        self.limit = limit
        self.version: int | None = None
        self.since = 0.0
        self.values: dict[Hashable, Any] = {}
        self.lock = threading.Lock()

    def get(self, version: int, key: Hashable, compute: Callable[[], T]) -> T:
        ttl = settings.PAGE_CACHE_SECONDS
        if ttl <= 0:
            return compute()
        now = time.monotonic()
        values = self.values
        if self.version != version or now - self.since > ttl:
            with self.lock:
                if self.version != version or now - self.since > ttl:
                    self.values = values = {}
                    self.version, self.since = version, now
                else:
                    values = self.values
        try:
            return values[key]  # type: ignore[no-any-return]
        except KeyError:
            pass
        value = compute()
        if len(values) < self.limit:
            values[key] = value
        return value

    def forget(self, key: Hashable) -> None:
        self.values.pop(key, None)

    def clear(self) -> None:
        with self.lock:
            self.version, self.values = None, {}


memo = VersionMemo()


def listing_for(version: int) -> Listing:
    """``listing_categories`` kept per catalogue version."""
    return memo.get(version, "listing", listing_categories)


def nav_locations_for(version: int) -> list[Location]:
    """``nav_locations`` kept per catalogue version."""
    return memo.get(version, "nav_locations", nav_locations)


def related_for(version: int, asset: Asset, limit: int = 3) -> list[Asset]:
    """``related_assets`` kept per catalogue version."""
    return memo.get(version, ("related", asset.pk, limit), lambda: related_assets(asset, limit))


def asset_for_page_for(
    version: int, slug: str, *, currency: str = display_prices.DEFAULT_CURRENCY
) -> Asset | None:
    """``asset_for_page`` (active assets only) kept per catalogue version: shared between
    requests, so read-only (what pricing keeps on it, its offered add-ons, is catalogue data
    too, moved on by the same version)."""
    key = ("asset", slug, currency)
    found = memo.get(version, key, lambda: asset_for_page(slug, currency=currency))
    if found is None:  # an absence is not kept: it costs its query each time
        memo.forget(key)
    return found
