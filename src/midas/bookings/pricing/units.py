"""Billable units in the location's calendar, and the rate of each (seasons)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

from django.db.models import Q

from midas.bookings.pricing.lines import UNIT_NAMES, QuoteLine
from midas.catalog.models import Asset, PricingUnit, SeasonalRate


def unit_dates(unit: str, start: dt.datetime, end: dt.datetime, tz: dt.tzinfo) -> list[dt.date]:
    """The local date each billable unit of ``[start, end)`` starts on."""
    # elapsed time is measured in UTC: Python subtracts same-zone datetimes by wall clock
    start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    local_start, local_end = start.astimezone(tz), end.astimezone(tz)
    if unit == PricingUnit.HOUR:
        count = math.ceil((end - start) / dt.timedelta(hours=1))
        return [(start + dt.timedelta(hours=i)).astimezone(tz).date() for i in range(count)]
    if unit == PricingUnit.DAY:
        wall = local_start.replace(tzinfo=None)
        wall_span = local_end.replace(tzinfo=None) - wall
        count = max(1, math.ceil(wall_span / dt.timedelta(days=1)))
        return [(wall + dt.timedelta(days=i)).date() for i in range(count)]
    if unit == PricingUnit.NIGHT:
        count = max(1, (local_end.date() - local_start.date()).days)
        return [local_start.date() + dt.timedelta(days=i) for i in range(count)]
    return [local_start.date()]


def seasons_for(asset: Asset, first: dt.date, last: dt.date) -> list[SeasonalRate]:
    """Seasons meeting ``[first, last]`` that apply to the asset: its own, and those of its
    category and/or home location (a scope left empty means "any"). From the asset's
    preloaded pricing (``catalogue.load_pricing``) when it has it: no query."""
    data = getattr(asset, "_pricing", None)
    if data is not None:
        return [s for s in data.seasons if s.start_date <= last and s.end_date > first]
    # Q(x__in=[id, None]) would silently drop the None: spell out "this one or any".
    in_category = Q(category=asset.category_id) | Q(category__isnull=True)
    in_location = Q(location=asset.home_location_id) | Q(location__isnull=True)
    shared = Q(asset__isnull=True) & in_category & in_location
    return list(
        SeasonalRate.objects.filter(start_date__lte=last, end_date__gt=first).filter(
            Q(asset=asset) | shared
        )
    )


def rate_on(day: dt.date, base_rate: int, seasons: Sequence[SeasonalRate]) -> tuple[int, str]:
    covering = [s for s in seasons if s.start_date <= day < s.end_date]
    if not covering:
        return base_rate, ""
    best = max(covering, key=lambda s: (s.specificity, s.priority, s.start_date, s.pk or 0))
    return best.rate_for(base_rate), best.name


def rental_lines(asset: Asset, dates: Sequence[dt.date]) -> list[QuoteLine]:
    """One line per run of units at the same rate (base, then each season met)."""
    seasons = seasons_for(asset, dates[0], dates[-1])
    one, many = UNIT_NAMES[PricingUnit(asset.pricing_unit)]
    groups: dict[tuple[int, str], int] = {}
    for day in dates:
        key = rate_on(day, asset.base_rate_minor, seasons)
        groups[key] = groups.get(key, 0) + 1
    lines = []
    for (rate, season), count in groups.items():
        label = f"{count} {one if count == 1 else many}" + (f" · {season}" if season else "")
        lines.append(QuoteLine("rental", "rental", label, count, rate, rate * count))
    return lines


def length_in_days(unit: str, units: int) -> int:
    """How long a booking is for length discounts: days and nights count as they are,
    hours in whole days (24 hours = 1 day); a trip has no length."""
    if unit in (PricingUnit.DAY, PricingUnit.NIGHT):
        return units
    if unit == PricingUnit.HOUR:
        return units // 24
    return 0
