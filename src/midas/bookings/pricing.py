"""Exact quotes, computed on the server only.

The rules (also in docs/explanation/pricing.md):

* Units are counted in the location's time zone. ``hour``: started hours of elapsed time.
  ``day``: started 24-hour periods of *wall-clock* time, so a day across a DST change is
  still one day. ``night``: calendar dates crossed (at least one). ``trip``: one.
* Each unit is priced by the season covering the local date it starts on (the most
  specific season, then the highest priority), else the base rate.
* Percentages are basis points; each percentage line is rounded half-up to a whole minor
  unit on its own, and the total is the plain sum of the lines, so it always reconciles.
* Service fee = subtotal × fee; tax = (subtotal + service fee) × tax rate, both of the
  location the asset is used at. The security deposit is a hold, shown apart, never in the
  total.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from midas.bookings.models import MAX_OCCUPANCY
from midas.catalog.models import (
    BASIS_POINTS,
    AddOn,
    AddOnPricing,
    Asset,
    Location,
    PricingUnit,
    SeasonalRate,
)
from midas.core.ranges import require_range
from midas.errors import AppError, ErrorCode

UNIT_NAMES = {
    PricingUnit.HOUR: ("hour", "hours"),
    PricingUnit.DAY: ("day", "days"),
    PricingUnit.NIGHT: ("night", "nights"),
    PricingUnit.TRIP: ("trip", "trips"),
}


def percent_of(amount: int, basis_points: int) -> int:
    """``amount × bp / 10,000`` rounded half-up, in integers (amounts are never negative)."""
    return (amount * basis_points * 2 + BASIS_POINTS) // (2 * BASIS_POINTS)


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # rental | extra | delivery | service_fee | tax
    code: str
    label: str
    quantity: int
    unit_amount: int
    amount: int


@dataclass(frozen=True)
class Quote:
    asset: Asset
    location: Location
    start: dt.datetime
    end: dt.datetime
    unit: str
    units: int
    currency: str
    lines: tuple[QuoteLine, ...]
    security_deposit: int
    extras: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def subtotal(self) -> int:
        return sum(
            line.amount for line in self.lines if line.kind in {"rental", "extra", "delivery"}
        )

    def amount_of(self, kind: str) -> int:
        return sum(line.amount for line in self.lines if line.kind == kind)

    @property
    def unit_label(self) -> str:
        one, many = UNIT_NAMES[PricingUnit(self.unit)]
        return one if self.units == 1 else many


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
    category and/or home location (a scope left empty means "any")."""
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


def served_location(asset: Asset, location: Location | None) -> Location:
    if location is None or location.pk == asset.home_location_id:
        return asset.home_location
    if not asset.delivery_locations.filter(pk=location.pk).exists():
        raise AppError(
            ErrorCode.LOCATION_NOT_SERVED,
            f"{asset.name} is not offered in {location.city}",
            field="location",
        )
    return location


def offered_addons(asset: Asset) -> list[AddOn]:
    addons = AddOn.objects.filter(is_active=True, categories=asset.category_id)
    return [a for a in addons if a.offered_for(asset)]


def quote(
    *,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    location: Location | None = None,
    extras: Sequence[str] = (),
) -> Quote:
    """Price ``asset`` for ``[start, end)`` at ``location`` with the chosen extras, or raise."""
    if not asset.is_active:
        raise AppError(ErrorCode.ASSET_INACTIVE, f"{asset.name} is not available to book")
    check_timing(asset, start, end, now)
    place = served_location(asset, location)
    dates = unit_dates(asset.pricing_unit, start, end, place.tz)
    if len(dates) < asset.min_duration:
        one, many = UNIT_NAMES[PricingUnit(asset.pricing_unit)]
        raise AppError(
            ErrorCode.BELOW_MIN_DURATION,
            f"{asset.name} is booked for at least {asset.min_duration} "
            f"{one if asset.min_duration == 1 else many}",
            field="end",
        )
    lines = rental_lines(asset, dates)
    rental = sum(line.amount for line in lines)
    lines += extra_lines(asset, extras, len(dates), rental)
    if place.pk != asset.home_location_id and asset.delivery_fee_minor:
        lines.append(
            QuoteLine(
                "delivery",
                "delivery",
                f"Delivery to {place.city}",
                1,
                asset.delivery_fee_minor,
                asset.delivery_fee_minor,
            )
        )
    subtotal = sum(line.amount for line in lines)
    fee = percent_of(subtotal, place.service_fee_bp)
    if place.service_fee_bp:
        lines.append(QuoteLine("service_fee", "service_fee", "Service fee", 1, fee, fee))
    tax = percent_of(subtotal + fee, place.tax_rate_bp)
    if place.tax_rate_bp:
        label = f"Tax ({place.tax_rate_bp / 100:g}%)"
        lines.append(QuoteLine("tax", "tax", label, 1, tax, tax))
    return Quote(
        asset=asset,
        location=place,
        start=start,
        end=end,
        unit=asset.pricing_unit,
        units=len(dates),
        currency=asset.currency,
        lines=tuple(lines),
        security_deposit=asset.security_deposit_minor,
        extras=tuple(extras),
    )


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
