"""What pricing reads about one asset, loaded at once so that it can be cached per
catalogue version (``midas.api.selectors.asset_for_quote``).

``load_pricing`` reads every season, length discount and service-tier rule that could ever
apply to the asset (any date, any tier), its delivery cities and add-ons, and, for a jet
priced by route, the airports; it attaches them to the asset as ``asset._pricing``. The
pricing functions (``units.seasons_for``, ``adjust``, ``rules``, ``trips``) then filter in
Python instead of querying. Without ``_pricing`` they query as before, so an asset read any
other way prices the same. Every write to these rows moves the catalogue version
(``catalog.admin``, ``catalog.pricing_admin``, the inventory import), so an asset cached
under a version never carries stale prices.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q

from midas.bookings.pricing.rules import offered_addons
from midas.catalog.models import (
    Airport,
    Asset,
    LengthDiscount,
    PricingUnit,
    SeasonalRate,
    TierRule,
)


@dataclass
class PricingData:
    seasons: list[SeasonalRate]  # the asset's own and its category's/home's, any dates
    discounts: list[LengthDiscount]  # the asset's, its category's and the house's
    tier_rules: list[TierRule]  # active, its category's or house-wide, every tier
    delivery_ids: frozenset[int]
    airports: dict[str, Airport] = field(default_factory=dict)  # IATA: any, active or not


def preloaded(asset: Asset) -> PricingData | None:
    return getattr(asset, "_pricing", None)


def load_pricing(asset: Asset) -> Asset:
    """Attach ``_pricing`` (and the offered add-ons) to ``asset``: six queries, seven for a
    jet priced by route. ``asset`` comes with its category, home and jet profile loaded."""
    in_category = Q(category=asset.category_id) | Q(category__isnull=True)
    in_location = Q(location=asset.home_location_id) | Q(location__isnull=True)
    shared = Q(asset__isnull=True) & in_category & in_location
    seasons = list(SeasonalRate.objects.filter(Q(asset=asset) | shared))
    discounts = list(
        LengthDiscount.objects.filter(
            Q(asset=asset)
            | Q(asset__isnull=True, category=asset.category_id)
            | Q(asset__isnull=True, category__isnull=True)
        )
    )
    tier_rules = list(
        TierRule.objects.filter(is_active=True).filter(
            Q(category=asset.category_id) | Q(category__isnull=True)
        )
    )
    delivery = frozenset(asset.delivery_locations.values_list("pk", flat=True))
    airports: dict[str, Airport] = {}
    if asset.pricing_unit == PricingUnit.TRIP:
        airports = {a.iata.upper(): a for a in Airport.objects.select_related("location")}
    asset._pricing = PricingData(seasons, discounts, tier_rules, delivery, airports)  # type: ignore[attr-defined]
    offered_addons(asset)  # reads and keeps them on the instance
    return asset
