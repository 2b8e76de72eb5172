"""Exact quotes, computed on the server only.

The rules (also in docs/explanation/pricing.md):

* Units are counted in the location's time zone. ``hour``: started hours of elapsed time.
  ``day``: started 24-hour periods of *wall-clock* time, so a day across a DST change is
  still one day. ``night``: calendar dates crossed (at least one). ``trip``: one; a jet with
  a ``JetProfile`` is priced by its route instead (``trips``).
* Each unit is priced by the season covering the local date it starts on (the most
  specific season, then the highest priority), else the base rate.
* A length discount (``LengthDiscount``) takes a percentage off the rental; the customer's
  service tier (``TierRule``) adjusts it, signed. Both are lines of their own.
* Percentages are basis points; each percentage line is rounded half-up to a whole minor
  unit on its own, and the total is the plain sum of the lines, so it always reconciles.
* Service fee = subtotal × fee; tax = (subtotal + service fee) × tax rate, both of the
  location the asset is used at. The security deposit is a hold, shown apart, never in the
  total.

Modules: ``lines`` (Quote, QuoteLine), ``units`` (units and seasons), ``rules`` (what is
refused; extras), ``adjust`` (length discounts, service tiers), ``trips`` (jets' routes),
``core`` (``quote``).
"""

from midas.bookings.pricing.core import quote
from midas.bookings.pricing.lines import (
    LINE_KINDS,
    UNIT_NAMES,
    Quote,
    QuoteLine,
    percent_of,
    signed_percent_of,
)
from midas.bookings.pricing.rules import (
    check_guests,
    check_length,
    check_timing,
    extra_lines,
    offered_addons,
    party_word,
    served_location,
)
from midas.bookings.pricing.trips import (
    Route,
    Trip,
    jet_profile,
    read_route,
    route_asked,
    trip_body,
)
from midas.bookings.pricing.units import rate_on, rental_lines, seasons_for, unit_dates

__all__ = [
    "LINE_KINDS",
    "UNIT_NAMES",
    "Quote",
    "QuoteLine",
    "Route",
    "Trip",
    "check_guests",
    "check_length",
    "check_timing",
    "extra_lines",
    "jet_profile",
    "offered_addons",
    "party_word",
    "percent_of",
    "quote",
    "rate_on",
    "read_route",
    "rental_lines",
    "route_asked",
    "seasons_for",
    "served_location",
    "signed_percent_of",
    "trip_body",
    "unit_dates",
]
