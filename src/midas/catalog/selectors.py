"""Catalogue reads for the pages and the API: the collection with its filters, featured
assets, the categories and cities, one asset with everything its page shows.

Pure catalogue: nothing here knows about reservations. The search with dates (free for
``[start, end)``) is ``midas.bookings.search``, which builds on ``matching`` below.

Every function returns rows with their relations already loaded (``select_related`` /
``prefetch_related``), so a page renders in a fixed number of queries however many cards
it shows.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connection
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery

from midas.catalog.models import Asset, AssetImage, CatalogVersion, Category, Location
from midas.money import EXPONENTS, minor_per_major


class Sort:
    CATALOGUE = "catalogue"  # the model's order: by category, dearest first (the API's default)
    FEATURED = "featured"
    PRICE_ASC = "price"
    PRICE_DESC = "-price"
    NAME = "name"

    CHOICES = (  # what the collection page offers
        (FEATURED, "Featured"),
        (PRICE_ASC, "Price: low to high"),
        (PRICE_DESC, "Price: high to low"),
        (NAME, "Name"),
    )
    ALL = (CATALOGUE, FEATURED, PRICE_ASC, PRICE_DESC, NAME)


ORDERINGS: dict[str, tuple[str, ...]] = {
    Sort.CATALOGUE: ("category__position", "-base_rate_minor", "name"),
    Sort.FEATURED: ("-is_featured", "category__position", "-base_rate_minor", "name"),
    Sort.PRICE_ASC: ("base_rate_minor", "name"),
    Sort.PRICE_DESC: ("-base_rate_minor", "name"),
    Sort.NAME: ("name", "brand"),
}

MAX_PRICE = 100_000_000  # whole major units; keeps minor amounts inside 64 bits


def card_assets() -> QuerySet[Asset]:
    """Active assets with what a card shows: category (for specs), city and images."""
    return (
        Asset.objects.active()
        .select_related("category", "home_location")
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


def matching(
    *,
    category: Category | None = None,
    location: Location | None = None,
    price_min: int | None = None,
    price_max: int | None = None,
    sort: str = Sort.FEATURED,
) -> QuerySet[Asset]:
    """Active card-ready assets of ``category``, serving ``location`` (home or delivery),
    whose base rate lies within ``[price_min, price_max]`` (whole major units per pricing
    unit), in the ``sort`` order (an unknown one is featured).

    The catalogue's half of the search: ``midas.bookings.search`` adds availability.
    """
    assets = card_assets()
    if category is not None:
        assets = assets.filter(category=category)
    if location is not None:
        assets = assets.filter(serving(location))
    if price_min is not None:
        assets = assets.filter(price_bound("gte", price_min))
    if price_max is not None:
        assets = assets.filter(price_bound("lte", price_max))
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
    of their first featured or dearest active asset, or ``None``."""
    first_image = AssetImage.objects.filter(
        asset__category=OuterRef("pk"), asset__is_active=True
    ).order_by("-asset__is_featured", "-asset__base_rate_minor", "asset__name", "position", "id")
    categories = list(
        Category.objects.annotate(
            asset_count=Count("assets", filter=Q(assets__is_active=True), distinct=True),
            cover_src=Subquery(first_image.values("src")[:1]),
            cover_alt=Subquery(first_image.values("alt")[:1]),
        ).order_by("position", "name")  # Meta.ordering is not applied to aggregations
    )
    for category in categories:
        category.cover = (
            AssetImage(src=category.cover_src, alt=category.cover_alt, width=1200, height=800)
            if category.cover_src
            else None
        )
    return categories


def nav_categories() -> list[Category]:
    return list(Category.objects.all())


def nav_locations() -> list[Location]:
    return list(Location.objects.all())


def locations_with_counts() -> list[Location]:
    """Cities with ``asset_count``: active assets based there or delivered there."""
    based = Count("home_assets", filter=Q(home_assets__is_active=True), distinct=True)
    delivered = Count("delivered_assets", filter=Q(delivered_assets__is_active=True), distinct=True)
    return list(
        Location.objects.annotate(based=based, delivered=delivered).order_by("position", "city")
    )


def asset_for_page(slug: str, *, include_inactive: bool = False) -> Asset | None:
    """An active asset with its category, home, delivery cities and images; else ``None``.
    ``include_inactive`` (staff previewing an asset not yet live) finds it either way."""
    assets = Asset.objects.all() if include_inactive else Asset.objects.active()
    return (
        assets.select_related("category", "home_location")
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
    write. Read on every cacheable page request: one primary-key lookup in plain SQL, which
    costs a tenth of the same query through the ORM."""
    table = connection.ops.quote_name(CatalogVersion._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT value FROM {table} WHERE id = %s", [CatalogVersion.ROW])  # noqa: S608
        row = cursor.fetchone()
    return row[0] if row else 0
