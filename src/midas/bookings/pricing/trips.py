"""Jets priced as trips: a route between airports, legs timed from the great-circle
distance at the jet's cruise speed, billed per hour with a minimum per leg.

* Flight time of a leg = great-circle distance ÷ cruise speed (``specs["speed_kmh"]``,
  else ``DEFAULT_SPEED_KMH``) + ``TAXI_CLIMB_MINUTES`` for taxi, climb and descent,
  rounded up to a minute. Billed time = at least the profile's ``min_billed_minutes``.
* A jet based elsewhere flies empty to the origin first and home from where the trip ends
  (positioning legs, billed at the same rate, each its own line).
* A return leg flies back from the destination at the chosen time; the jet waits there.
* The booking occupies the jet from the first leg's take-off to the last leg's landing.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from midas.bookings.pricing.lines import QuoteLine
from midas.bookings.pricing.units import rate_on, seasons_for
from midas.catalog.models import Airport, Asset, JetProfile, PricingUnit
from midas.core.ranges import parse_instant
from midas.errors import AppError, ErrorCode

EARTH_RADIUS_KM = 6371.0088  # the mean radius (IUGG)
DEFAULT_SPEED_KMH = 850  # a typical business jet's cruise, when the specs do not say
TAXI_CLIMB_MINUTES = 30  # per leg: taxi out and in, climb and descent below cruise speed


@dataclass(frozen=True)
class Route:
    """What the customer asks: from, to, and optionally when to fly back."""

    origin: str
    destination: str
    return_at: dt.datetime | None = None


def route_asked(route: Route, departure: dt.datetime) -> dict[str, Any]:
    """A route request as ``Booking.trip`` keeps it (UTC instants, upper-case codes)."""
    back = route.return_at
    return {
        "origin": route.origin.strip().upper(),
        "destination": route.destination.strip().upper(),
        "departure": departure.astimezone(dt.UTC).isoformat(),
        "return_at": back.astimezone(dt.UTC).isoformat() if back else None,
    }


@dataclass(frozen=True)
class Leg:
    kind: str  # positioning | flight | return
    origin: Airport
    destination: Airport
    departs: dt.datetime
    arrives: dt.datetime
    distance_km: int
    minutes: int  # estimated flight time, taxi and climb included
    billed_minutes: int


@dataclass(frozen=True)
class Trip:
    origin: Airport
    destination: Airport
    departure: dt.datetime
    return_at: dt.datetime | None
    legs: tuple[Leg, ...]

    @property
    def start(self) -> dt.datetime:
        return self.legs[0].departs

    @property
    def end(self) -> dt.datetime:
        return self.legs[-1].arrives

    @property
    def arrival(self) -> dt.datetime:
        return next(leg.arrives for leg in self.legs if leg.kind == "flight")

    def asked(self) -> dict[str, Any]:
        """The customer's request, to recognise a replay."""
        return route_asked(
            Route(self.origin.iata, self.destination.iata, self.return_at), self.departure
        )

    def as_json(self) -> dict[str, Any]:
        """What ``Booking.trip`` keeps: the route as quoted."""
        return {
            **self.asked(),
            "legs": [
                {
                    "kind": leg.kind,
                    "origin": leg.origin.iata,
                    "destination": leg.destination.iata,
                    "departs": leg.departs.astimezone(dt.UTC).isoformat(),
                    "arrives": leg.arrives.astimezone(dt.UTC).isoformat(),
                    "distance_km": leg.distance_km,
                    "minutes": leg.minutes,
                    "billed_minutes": leg.billed_minutes,
                }
                for leg in self.legs
            ],
            "flight_minutes": sum(leg.minutes for leg in self.legs),
        }


def great_circle_km(a: Airport, b: Airport) -> float:
    """The haversine distance between two airports."""
    lat1, lon1, lat2, lon2 = map(
        math.radians, (float(a.latitude), float(a.longitude), float(b.latitude), float(b.longitude))
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def flight_minutes(distance_km: float, speed_kmh: int) -> int:
    return math.ceil(distance_km / speed_kmh * 60) + TAXI_CLIMB_MINUTES


def jet_profile(asset: Asset) -> JetProfile | None:
    """The asset's profile: only an asset priced per trip has one (no query otherwise)."""
    if asset.pricing_unit != PricingUnit.TRIP:
        return None
    try:
        return asset.jet
    except JetProfile.DoesNotExist:
        return None


def airport(code: str, field: str, known: dict[str, Airport] | None = None) -> Airport:
    """The active airport ``code``; from ``known`` (IATA: airport, all of them, preloaded
    with the asset's pricing) when given, else one query."""
    iata = (code or "").strip().upper()
    if known:
        found: Airport | None = known.get(iata)
        found = found if found is not None and found.is_active else None
    else:
        found = Airport.objects.filter(iata=iata, is_active=True).first()
    if found is None:
        raise AppError(
            ErrorCode.ROUTE_INVALID,
            f"choose an airport from the list ({code!r} is not one we fly to)"
            if code
            else f"choose where you fly {'from' if field == 'origin' else 'to'}",
            field=field,
        )
    return found


def duration_text(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


class Planner:
    def __init__(self, asset: Asset, profile: JetProfile) -> None:
        self.asset = asset
        self.profile = profile
        speed = asset.specs.get("speed_kmh")
        self.speed = speed if isinstance(speed, int) and speed > 0 else DEFAULT_SPEED_KMH
        reach = asset.specs.get("range_km")
        self.range_km = reach if isinstance(reach, int) and reach > 0 else None

    def leg(
        self,
        kind: str,
        a: Airport,
        b: Airport,
        *,
        departs: dt.datetime | None = None,
        arrives: dt.datetime | None = None,
    ) -> Leg:
        distance = great_circle_km(a, b)
        if self.range_km and distance > self.range_km:
            raise AppError(
                ErrorCode.ROUTE_INVALID,
                f"{a.iata} to {b.iata} is {distance:,.0f} km, beyond the {self.asset.name}'s "
                f"range of {self.range_km:,} km nonstop; ask the concierge for a stop",
                field="destination",
            )
        minutes = flight_minutes(distance, self.speed)
        span = dt.timedelta(minutes=minutes)
        if departs is None:
            assert arrives is not None
            departs = arrives - span
        billed = max(minutes, self.profile.min_billed_minutes)
        return Leg(kind, a, b, departs, departs + span, round(distance), minutes, billed)

    def plan(self, route: Route, departure: dt.datetime) -> Trip:
        data = getattr(self.asset, "_pricing", None)  # catalogue.load_pricing
        known = data.airports if data is not None else None
        origin = airport(route.origin, "origin", known)
        destination = airport(route.destination, "destination", known)
        if origin.pk == destination.pk:
            raise AppError(
                ErrorCode.ROUTE_INVALID,
                "choose a destination other than the origin",
                field="destination",
            )
        base = self.profile.base_airport
        legs: list[Leg] = []
        if base.pk != origin.pk:
            legs.append(self.leg("positioning", base, origin, arrives=departure))
        legs.append(self.leg("flight", origin, destination, departs=departure))
        last = destination
        if route.return_at is not None:
            if route.return_at < legs[-1].arrives:
                landed = legs[-1].arrives.astimezone(destination.tz)
                raise AppError(
                    ErrorCode.INVALID_RANGE,
                    f"the return must leave {destination.iata} after landing there "
                    f"({landed:%d %b %H:%M} local time)",
                    field="return_at",
                )
            legs.append(self.leg("return", destination, origin, departs=route.return_at))
            last = origin
        if base.pk != last.pk:
            legs.append(self.leg("positioning", last, base, departs=legs[-1].arrives))
        return Trip(origin, destination, departure, route.return_at, tuple(legs))


def plan_trip(asset: Asset, profile: JetProfile, route: Route, departure: dt.datetime) -> Trip:
    return Planner(asset, profile).plan(route, departure)


def trip_lines(asset: Asset, profile: JetProfile, trip: Trip) -> list[QuoteLine]:
    """One rental line per leg: billed hours × the hourly rate (of the season on the day the
    leg leaves, in the origin's calendar), rounded half-up to a minor unit."""
    first = trip.start.astimezone(trip.legs[0].origin.tz).date()
    last = trip.end.astimezone(trip.legs[-1].destination.tz).date()
    seasons = seasons_for(asset, first, last)
    lines = []
    for leg in trip.legs:
        day = leg.departs.astimezone(leg.origin.tz).date()
        rate, season = rate_on(day, profile.hourly_rate_minor, seasons)
        amount = (rate * leg.billed_minutes * 2 + 60) // 120
        billed = duration_text(leg.billed_minutes)
        label = f"{leg.origin.iata} → {leg.destination.iata} · {billed}"
        if leg.billed_minutes > leg.minutes:
            label += f" (minimum; flight about {duration_text(leg.minutes)})"
        if leg.kind == "positioning":
            label = f"Positioning {label}"
        elif leg.kind == "return":
            label = f"Return {label}"
        if season:
            label += f" · {season}"
        lines.append(QuoteLine("rental", leg.kind, label, 1, amount, amount))
    return lines


def read_route(
    *,
    origin: str,
    destination: str,
    start: str,
    return_at: str,
    tz: dt.tzinfo,
    airports: dict[str, Airport] | None = None,
) -> tuple[dt.datetime, Route]:
    """A route as typed: the departure read in the origin's time zone, the return in the
    destination's (``tz`` when the airport is unknown: ``quote`` then says which).
    ``airports``: every airport by IATA code, when preloaded (no query)."""

    def zone(code: str) -> dt.tzinfo:
        iata = (code or "").strip().upper()
        found = airports.get(iata) if airports else Airport.objects.filter(iata=iata).first()
        return found.tz if found else tz

    departure = parse_instant(start, zone(origin), field="start")
    back = parse_instant(return_at, zone(destination), field="return_at") if return_at else None
    return departure, Route((origin or "").upper(), (destination or "").upper(), back)


def trip_body(trip: Trip) -> dict[str, Any]:
    """A trip for the API and the pages: ``as_json`` with instants as datetimes."""
    body = trip.as_json()
    body["departure"] = trip.departure
    body["return_at"] = trip.return_at
    for leg, out in zip(trip.legs, body["legs"], strict=True):
        out["departs"], out["arrives"] = leg.departs, leg.arrives
    return body
