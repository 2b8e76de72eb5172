"""What a quote is made of: lines (each rounded on its own) and their sum."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from midas.catalog.models import BASIS_POINTS, Asset, Location, PricingUnit

if TYPE_CHECKING:
    from midas.bookings.pricing.trips import Trip

UNIT_NAMES = {
    PricingUnit.HOUR: ("hour", "hours"),
    PricingUnit.DAY: ("day", "days"),
    PricingUnit.NIGHT: ("night", "nights"),
    PricingUnit.TRIP: ("trip", "trips"),
}

# Line kinds, in the order a quote lists them. ``discount`` lines are negative; ``tier``
# lines are signed; every other line is positive or zero.
LINE_KINDS = ("rental", "discount", "tier", "extra", "delivery", "service_fee", "tax")
CHARGES = {"service_fee", "tax"}  # computed on the subtotal: everything before them


def percent_of(amount: int, basis_points: int) -> int:
    """``amount × bp / 10,000`` rounded half-up, in integers (amounts are never negative)."""
    return (amount * basis_points * 2 + BASIS_POINTS) // (2 * BASIS_POINTS)


def signed_percent_of(amount: int, basis_points: int) -> int:
    """``percent_of`` for a signed rate: the half rounds away from zero either way."""
    part = percent_of(amount, abs(basis_points))
    return part if basis_points >= 0 else -part


@dataclass(frozen=True)
class QuoteLine:
    kind: str  # rental | discount | tier | extra | delivery | service_fee | tax
    code: str
    label: str
    quantity: int
    unit_amount: int
    amount: int


@dataclass(frozen=True)
class Quote:
    asset: Asset
    location: Location
    start: dt.datetime  # what the booking occupies (a jet: positioning included)
    end: dt.datetime
    unit: str
    units: int
    currency: str
    lines: tuple[QuoteLine, ...]
    security_deposit: int
    extras: tuple[str, ...] = field(default=())
    guests: int | None = None
    trip: Trip | None = None
    tier: str = ""  # the customer's service tier when a rule of it applied
    perks: tuple[str, ...] = field(default=())

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)

    @property
    def subtotal(self) -> int:
        """Everything the service fee and tax are computed on (discounts already off)."""
        return sum(line.amount for line in self.lines if line.kind not in CHARGES)

    def amount_of(self, kind: str) -> int:
        return sum(line.amount for line in self.lines if line.kind == kind)

    @property
    def unit_label(self) -> str:
        one, many = UNIT_NAMES[PricingUnit(self.unit)]
        return one if self.units == 1 else many
