"""``quote``: the price of one asset for one request, line by line, or an ``AppError``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from midas.bookings.pricing.adjust import discount_line, tier_adjustment
from midas.bookings.pricing.lines import Quote, QuoteLine, percent_of
from midas.bookings.pricing.rules import (
    check_guests,
    check_length,
    check_timing,
    extra_lines,
    served_location,
)
from midas.bookings.pricing.trips import Route, Trip, jet_profile, plan_trip, trip_lines
from midas.bookings.pricing.units import length_in_days, rental_lines, unit_dates
from midas.catalog.models import Asset, JetProfile, Location
from midas.errors import AppError, ErrorCode

if TYPE_CHECKING:
    from midas.accounts.models import User


def quote(
    *,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime | None = None,
    now: dt.datetime,
    location: Location | None = None,
    extras: Sequence[str] = (),
    guests: int | None = None,
    customer: User | None = None,
    route: Route | None = None,
) -> Quote:
    """Price ``asset`` for ``[start, end)`` at ``location`` with the chosen extras, or raise.

    ``guests``: optional, checked against the asset's capacity. ``customer``: when known,
    their service tier's rules apply. A jet with a ``JetProfile`` is priced by ``route``
    instead: ``start`` is the departure, ``end`` is not used, and the quote's start and end
    are what the jet is occupied (positioning included).
    """
    if not asset.is_active:
        raise AppError(ErrorCode.ASSET_INACTIVE, f"{asset.name} is not available to book")
    check_guests(asset, guests)
    profile = jet_profile(asset)
    trip: Trip | None = None
    if profile is not None:
        trip, place, lines = _trip_quote(asset, profile, start, now, location, route)
        units = 1
    else:
        if route is not None:
            raise AppError(
                ErrorCode.ROUTE_INVALID, f"{asset.name} is not priced by route", field="origin"
            )
        if end is None:
            raise AppError(ErrorCode.INVALID_RANGE, "choose an end", field="end")
        check_timing(asset, start, end, now)
        place = served_location(asset, location)
        dates = unit_dates(asset.pricing_unit, start, end, place.tz)
        check_length(asset, len(dates))
        units = len(dates)
        lines = rental_lines(asset, dates)
    rental = sum(line.amount for line in lines)
    discount = discount_line(asset, length_in_days(asset.pricing_unit, units), rental)
    if discount is not None:
        lines.append(discount)
    tiered = tier_adjustment(
        asset, getattr(customer, "service_tier", ""), sum(line.amount for line in lines)
    )
    if tiered is not None:
        lines += tiered.lines
    lines += extra_lines(asset, extras, units, rental)
    if trip is None and place.pk != asset.home_location_id and asset.delivery_fee_minor:
        fee = asset.delivery_fee_minor
        lines.append(QuoteLine("delivery", "delivery", f"Delivery to {place.city}", 1, fee, fee))
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
        start=trip.start if trip else start,
        end=trip.end if trip else end,  # type: ignore[arg-type]
        unit=asset.pricing_unit,
        units=units,
        currency=asset.currency,
        lines=tuple(lines),
        security_deposit=asset.security_deposit_minor,
        extras=tuple(extras),
        guests=guests,
        trip=trip,
        tier=tiered.tier if tiered else "",
        perks=tiered.perks if tiered else (),
    )


def _trip_quote(
    asset: Asset,
    profile: JetProfile,
    departure: dt.datetime,
    now: dt.datetime,
    location: Location | None,
    route: Route | None,
) -> tuple[Trip, Location, list[QuoteLine]]:
    if route is None:
        raise AppError(
            ErrorCode.ROUTE_INVALID,
            f"choose where the {asset.name} flies from and to",
            field="origin",
        )
    trip = plan_trip(asset, profile, route, departure)
    check_timing(asset, departure, trip.end, now)
    if trip.start < now + dt.timedelta(hours=asset.min_notice_hours):
        hours = (departure - trip.start) / dt.timedelta(hours=1)
        raise AppError(
            ErrorCode.INSIDE_MIN_NOTICE,
            f"the {asset.name} needs {asset.min_notice_hours} hours' notice and about "
            f"{hours:.0f} hours to reach {trip.origin.iata} first: choose a later departure",
            field="start",
        )
    if location is None:
        # the city the trip starts from when the jet is offered there, else its home
        data = getattr(asset, "_pricing", None)  # catalogue.load_pricing
        delivered = (
            data.delivery_ids
            if data is not None
            else asset.delivery_locations.values_list("pk", flat=True)
        )
        served = {asset.home_location_id, *delivered}
        location = trip.origin.location if trip.origin.location_id in served else None
    place = served_location(asset, location)
    return trip, place, trip_lines(asset, profile, trip)
