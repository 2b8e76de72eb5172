"""The quote form of an asset page: read the query string, price it, say what went wrong.

The same rules as ``POST /api/v1/quotes``: instants are read by ``parse_instant`` in the
time zone of the chosen city, priced by ``midas.bookings.pricing.quote`` and checked for
availability; any ``AppError`` becomes a message for the visitor, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.http import QueryDict

from midas.bookings.pricing import Quote, Route, jet_profile, party_word, quote, read_route
from midas.bookings.selectors import is_free
from midas.catalog.models import AddOn, AddOnPricing, Airport, Asset, Location
from midas.core.ranges import parse_instant
from midas.errors import AppError, ErrorCode
from midas.money import format_money

if TYPE_CHECKING:
    from midas.accounts.models import User

FORM_FORMAT = "%Y-%m-%dT%H:%M"  # the value an <input type="datetime-local"> takes


@dataclass
class QuoteRequest:
    start: str = ""
    end: str = ""
    location: str = ""
    extras: list[str] = field(default_factory=list)
    guests: str = ""
    origin: str = ""  # a jet's route: IATA codes and the return leg's departure
    destination: str = ""
    return_at: str = ""

    @classmethod
    def from_query(cls, query: QueryDict) -> QuoteRequest:
        return cls(
            start=query.get("start", "").strip()[:40],
            end=query.get("end", "").strip()[:40],
            location=query.get("location", "").strip()[:60],
            extras=[code[:60] for code in query.getlist("extras")[:20] if code],
            guests=query.get("guests", "").strip()[:6],
            origin=query.get("origin", "").strip().upper()[:3],
            destination=query.get("destination", "").strip().upper()[:3],
            return_at=query.get("return_at", "").strip()[:40],
        )

    @property
    def submitted(self) -> bool:
        return bool(self.start or self.end)

    @property
    def is_route(self) -> bool:
        return bool(self.origin or self.destination or self.return_at)

    def guest_count(self) -> int | None:
        if not self.guests:
            return None
        if not self.guests.isdigit():
            raise AppError(
                ErrorCode.INVALID_INPUT, "the number of guests must be a number", field="guests"
            )
        return int(self.guests)


@dataclass
class QuoteResult:
    request: QuoteRequest
    location: Location
    quote: Quote | None = None
    available: bool | None = None
    error: AppError | None = None
    start_value: str = ""  # what the form fields show back
    end_value: str = ""
    airports: list[Airport] = field(default_factory=list)  # a jet's form: where it flies
    party: str = "guests"  # guests, passengers or people

    @property
    def trip(self) -> bool:
        return bool(self.airports)

    @property
    def error_field(self) -> str:
        return (self.error.field or "") if self.error else ""

    @property
    def form_key(self) -> tuple[object, ...]:
        """Everything the quote form shows back besides the asset: what was asked, where,
        the field in error and the times as the fields show them (the asset page keeps the
        form's HTML per asset, catalogue version and this key)."""
        asked = self.request
        return (
            asked.start,
            asked.end,
            asked.location,
            tuple(asked.extras),
            asked.guests,
            asked.origin,
            asked.destination,
            asked.return_at,
            self.location.pk,
            self.error_field,
            self.start_value,
            self.end_value,
            self.party,
            tuple(port.iata for port in self.airports),
        )

    @property
    def local_start(self) -> str:
        if self.quote and self.quote.trip:
            return self._local(self.quote.trip.departure, self.quote.trip.origin.tz)
        return self._local(self.quote.start) if self.quote else ""

    @property
    def local_end(self) -> str:
        if self.quote and self.quote.trip:
            return self._local(self.quote.trip.arrival, self.quote.trip.destination.tz)
        return self._local(self.quote.end) if self.quote else ""

    @property
    def legs(self) -> list[dict[str, str]]:
        """A jet's legs for the page: from, to, local take-off and landing, flight time."""
        if not self.quote or not self.quote.trip:
            return []
        return [
            {
                "kind": leg.kind,
                "route": f"{leg.origin.iata} → {leg.destination.iata}",
                "departs": self._local(leg.departs, leg.origin.tz),
                "arrives": self._local(leg.arrives, leg.destination.tz),
                "minutes": f"{leg.minutes // 60} h {leg.minutes % 60:02d} min",
            }
            for leg in self.quote.trip.legs
        ]

    @property
    def occupied(self) -> str:
        """What the jet is taken for, positioning included, in the home city's time."""
        if not self.quote:
            return ""
        tz = self.quote.asset.home_location.tz
        return f"{self._local(self.quote.start, tz)} to {self._local(self.quote.end, tz)}"

    def _local(self, instant: dt.datetime, tz: dt.tzinfo | None = None) -> str:
        local = instant.astimezone(tz or self.location.tz)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"

    def booking_args(self) -> dict[str, Any]:
        """What ``booking_create`` takes to book this quote again (a jet: its route)."""
        assert self.quote is not None
        q = self.quote
        if q.trip is not None:
            route = Route(q.trip.origin.iata, q.trip.destination.iata, q.trip.return_at)
            times: dict[str, Any] = {"start": q.trip.departure, "end": None, "route": route}
        else:
            times = {"start": q.start, "end": q.end}
        return {**times, "location": self.location, "extras": q.extras, "guests": q.guests}

    @property
    def summary(self) -> str:
        """One line for the concierge: what, where and when."""
        if not self.quote:
            return ""
        asset = self.quote.asset
        trip = self.quote.trip
        where = f"{trip.origin.iata} to {trip.destination.iata}" if trip else self.location.city
        guests = f", {self.quote.guests} {self.party}" if self.quote.guests else ""
        return (
            f"{asset.name}, {where}, {self.local_start} to {self.local_end}{guests} "
            f"({', '.join(self.quote.extras) or 'no extras'})"
        )


@dataclass(frozen=True)
class AddonOption:
    code: str
    name: str
    description: str
    price: str  # "USD 150 / day", "USD 900", "10% of the rental"


def addon_options(asset: Asset, addons: list[AddOn]) -> list[AddonOption]:
    options = []
    for addon in addons:
        if addon.pricing == AddOnPricing.PERCENT:
            price = f"{(addon.rate_bp or 0) / 100:g}% of the rental"
        else:
            price = format_money(addon.amounts.get(asset.currency, 0), asset.currency)
            if addon.pricing == AddOnPricing.PER_UNIT:
                price += f" / {asset.pricing_unit}"
        options.append(AddonOption(addon.code, addon.name, addon.description, price))
    return options


def chosen_location(asset: Asset, slug: str, served: list[Location]) -> Location:
    if not slug:
        return asset.home_location
    for location in served:
        if location.slug == slug:
            return location
    raise AppError(
        ErrorCode.LOCATION_NOT_SERVED, f"{asset.name} is not offered there", field="location"
    )


def local_value(instant: dt.datetime, location: Location) -> str:
    return instant.astimezone(location.tz).strftime(FORM_FORMAT)


def quote_for_page(
    asset: Asset,
    request: QuoteRequest,
    served: list[Location],
    now: dt.datetime,
    customer: User | None = None,
) -> QuoteResult:
    """Price the request when one was made; otherwise an empty result for the blank form.

    A jet priced by route reads origin, destination, the departure (``start``, in the
    origin's time zone) and an optional return; ``customer`` (checkout) brings their
    service tier's rules. The asset page, cached for everyone, passes none."""
    trip = jet_profile(asset) is not None
    result = QuoteResult(
        request=request,
        location=asset.home_location,
        start_value=request.start,
        end_value=request.end,
        airports=list(Airport.objects.filter(is_active=True)) if trip else [],
        party=party_word(asset),
    )
    if not request.submitted:
        return result
    try:
        guests = request.guest_count()
        if trip or request.is_route:
            start, route = read_route(
                origin=request.origin,
                destination=request.destination,
                start=request.start,
                return_at=request.return_at,
                tz=asset.home_location.tz,
            )
            location, end = None, None
        else:
            result.location = chosen_location(asset, request.location, served)
            tz = result.location.tz
            start = parse_instant(request.start, tz, field="start")
            result.start_value = local_value(start, result.location)
            end = parse_instant(request.end, tz, field="end")
            result.end_value = local_value(end, result.location)
            location, route = result.location, None
        result.quote = quote(
            asset=asset,
            start=start,
            end=end,
            now=now,
            location=location,
            extras=request.extras,
            guests=guests,
            customer=customer,
            route=route,
        )
        result.location = result.quote.location
        result.available = is_free(asset, result.quote.start, result.quote.end)
    except AppError as exc:
        result.error = exc
    return result
