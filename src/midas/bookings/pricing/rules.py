"""What a quote refuses: timing, place, length, guests and unknown extras; and the extras."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from midas.bookings.models import MAX_OCCUPANCY
from midas.bookings.pricing.lines import UNIT_NAMES, QuoteLine, percent_of
from midas.catalog.models import AddOn, AddOnPricing, Asset, Location, PricingUnit
from midas.catalog.specs import CAPACITY_SPEC
from midas.core.ranges import require_range
from midas.errors import AppError, ErrorCode

# What a party is called on the pages and in errors, by the category's capacity spec.
PARTY_WORDS = {"seats": "people", "guests": "guests", "passengers": "passengers"}


def check_timing(asset: Asset, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    require_range(start, end)
    if start < now:
        raise AppError(ErrorCode.START_IN_PAST, "the start is in the past", field="start")
    if start < now + dt.timedelta(hours=asset.min_notice_hours):
        raise AppError(
            ErrorCode.INSIDE_MIN_NOTICE,
            f"{asset.name} needs at least {asset.min_notice_hours} hours' notice",
            field="start",
        )
    if start > now + dt.timedelta(days=asset.max_advance_days):
        raise AppError(
            ErrorCode.BEYOND_MAX_ADVANCE,
            f"{asset.name} can be booked at most {asset.max_advance_days} days ahead",
            field="start",
        )
    if end - start > MAX_OCCUPANCY - dt.timedelta(days=1):
        raise AppError(
            ErrorCode.RANGE_TOO_LONG,
            f"a single booking may last at most {MAX_OCCUPANCY.days - 1} days",
            field="end",
        )


def check_length(asset: Asset, units: int) -> None:
    """The asset's minimum and maximum number of units (the house limit is ``check_timing``)."""
    one, many = UNIT_NAMES[PricingUnit(asset.pricing_unit)]
    if units < asset.min_duration:
        raise AppError(
            ErrorCode.BELOW_MIN_DURATION,
            f"{asset.name} is booked for at least {asset.min_duration} "
            f"{one if asset.min_duration == 1 else many}",
            field="end",
        )
    if asset.max_duration and units > asset.max_duration:
        raise AppError(
            ErrorCode.ABOVE_MAX_DURATION,
            f"{asset.name} is booked for at most {asset.max_duration} "
            f"{one if asset.max_duration == 1 else many}",
            field="end",
        )


def party_word(asset: Asset) -> str:
    return PARTY_WORDS.get(CAPACITY_SPEC.get(asset.category.slug, ""), "guests")


def check_guests(asset: Asset, guests: int | None) -> None:
    """``guests`` is optional; when given it is at least 1 and at most the asset's capacity
    (``catalog.specs.CAPACITY_SPEC``: seats, guests or passengers)."""
    if guests is None:
        return
    if isinstance(guests, bool) or not isinstance(guests, int) or guests < 1:
        raise AppError(
            ErrorCode.INVALID_INPUT, "the number of guests must be 1 or more", field="guests"
        )
    capacity = asset.capacity
    if capacity is not None and guests > capacity:
        raise AppError(
            ErrorCode.OVER_CAPACITY,
            f"{asset.name} takes at most {capacity} {party_word(asset)}",
            field="guests",
        )


def served_location(asset: Asset, location: Location | None) -> Location:
    if location is None or location.pk == asset.home_location_id:
        return asset.home_location
    data = getattr(asset, "_pricing", None)  # catalogue.load_pricing
    served = (
        location.pk in data.delivery_ids
        if data is not None
        else asset.delivery_locations.filter(pk=location.pk).exists()
    )
    if not served:
        raise AppError(
            ErrorCode.LOCATION_NOT_SERVED,
            f"{asset.name} is not offered in {location.city}",
            field="location",
        )
    return location


def offered_addons(asset: Asset) -> list[AddOn]:
    """The add-ons a quote for ``asset`` may carry: read once per asset instance (the asset
    page lists them and prices them with the same instance, in one request)."""
    cached: list[AddOn] | None = getattr(asset, "_offered_addons", None)
    if cached is None:
        addons = AddOn.objects.filter(is_active=True, categories=asset.category_id)
        cached = [a for a in addons if a.offered_for(asset)]
        asset._offered_addons = cached  # type: ignore[attr-defined]
    return list(cached)


def extra_lines(asset: Asset, extras: Sequence[str], units: int, rental: int) -> list[QuoteLine]:
    if not extras:
        return []
    wanted = list(dict.fromkeys(extras))
    available = {a.code: a for a in offered_addons(asset)}
    unknown = [code for code in wanted if code not in available]
    if unknown:
        raise AppError(
            ErrorCode.UNKNOWN_EXTRA,
            f"not offered for {asset.name}: {', '.join(unknown)}",
            field="extras",
        )
    lines = []
    for code in wanted:
        addon = available[code]
        if addon.pricing == AddOnPricing.PERCENT:
            amount = percent_of(rental, addon.rate_bp or 0)
            lines.append(QuoteLine("extra", code, addon.name, 1, amount, amount))
        elif addon.pricing == AddOnPricing.PER_UNIT:
            each = int(addon.amounts[asset.currency])
            lines.append(QuoteLine("extra", code, addon.name, units, each, each * units))
        else:
            each = int(addon.amounts[asset.currency])
            lines.append(QuoteLine("extra", code, addon.name, 1, each, each))
    return lines
