"""Quotes: the exact price of an asset for a range, computed on the server."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router

from midas.accounts.models import User
from midas.api import selectors
from midas.api.auth import BearerAuth
from midas.api.rows import CONTENT_TYPE as JSON
from midas.api.rows import encode
from midas.api.schemas import QuoteIn, QuoteOut, errors, utc_iso
from midas.bookings.pricing import Quote, Route, jet_profile, quote, read_route, trip_body
from midas.bookings.pricing.catalogue import preloaded
from midas.bookings.selectors import is_free
from midas.catalog.models import Asset
from midas.core.ranges import parse_instant

router = Router(tags=["quotes"])


def read_times(
    asset: Asset, payload: QuoteIn, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime | None, Route | None]:
    """``(start, end, route)``: a jet priced by route, or any request naming airports, reads
    the route (the departure in the origin's time zone); others read ``[start, end)``."""
    if jet_profile(asset) is not None or payload.origin or payload.destination:
        data = preloaded(asset)
        departure, route = read_route(
            origin=payload.origin or "",
            destination=payload.destination or "",
            start=payload.start,
            return_at=payload.return_at or "",
            tz=tz,
            airports=data.airports if data is not None else None,
        )
        return departure, None, route
    start = parse_instant(payload.start, tz, field="start")
    end = parse_instant(payload.end, tz, field="end") if payload.end else None
    return start, end, None


def known_customer(request: HttpRequest) -> User | None:
    """The signed-in customer when there is one (a bearer token, else the session): their
    service tier prices the quote. A token sent but not valid is 401."""
    if request.headers.get("Authorization"):
        return BearerAuth(allow_session=False)(request)
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


@router.post(
    "/quotes",
    response={200: QuoteOut, **errors(401, 404, 422)},
)
def create_quote(request: HttpRequest, payload: QuoteIn) -> HttpResponse | dict:
    """Price ``asset`` for ``[start, end)`` at ``location`` (default: its home) with
    ``extras`` and ``guests`` (at most the asset's capacity: 422 ``over_capacity``). Bare
    dates are read in the location's time zone. A jet priced by route takes ``origin``,
    ``destination`` (IATA codes), ``start`` (the departure) and optionally ``return_at``;
    its quote's ``start``/``end`` are what the jet is occupied, positioning included.
    Signed in (a bearer token), the customer's service tier applies. Nothing is reserved."""
    asset = selectors.asset_for_quote(payload.asset)
    place = selectors.location_by_slug(payload.location) if payload.location else None
    tz = (place or asset.home_location).tz
    start, end, route = read_times(asset, payload, tz)
    priced = quote(
        asset=asset,
        start=start,
        end=end,
        now=timezone.now(),
        location=place,
        extras=payload.extras,
        guests=payload.guests,
        customer=known_customer(request),
        route=route,
    )
    return quote_answer(priced, available=is_free(asset, priced.start, priced.end))


def quote_answer(priced: Quote, *, available: bool) -> HttpResponse | dict:
    """The answer: a quote without a trip written straight to JSON (``quote_json``), as
    ``QuoteOut`` and ninja's renderer write it, without validating it again; a jet's trip
    through the schema (the dict, validated by ninja)."""
    if priced.trip is not None:
        return quote_body(priced, available=available)
    return HttpResponse(quote_json(priced, available=available), content_type=JSON)


def quote_json(priced: Quote, *, available: bool) -> bytes:
    """``quote_body`` of a quote without a trip in ``QuoteOut``'s field order (the body's),
    instants in UTC (``schemas.Instant``), lines as plain dicts, encoded as ninja's renderer
    does."""
    assert priced.trip is None
    body = quote_body(priced, available=available)
    body["start"], body["end"] = utc_iso(priced.start), utc_iso(priced.end)
    body["lines"] = [
        {
            "kind": line.kind,
            "code": line.code,
            "label": line.label,
            "quantity": line.quantity,
            "unit_amount": line.unit_amount,
            "amount": line.amount,
        }
        for line in priced.lines
    ]
    return encode(body)


def quote_body(priced: Quote, *, available: bool) -> dict:
    return {
        "asset": priced.asset.slug,
        "location": priced.location.slug,
        "start": priced.start,
        "end": priced.end,
        "unit": priced.unit,
        "units": priced.units,
        "unit_label": priced.unit_label,
        "currency": priced.currency,
        "lines": priced.lines,
        "subtotal": priced.subtotal,
        "service_fee": priced.amount_of("service_fee"),
        "tax": priced.amount_of("tax"),
        "total": priced.total,
        "security_deposit": priced.security_deposit,
        "available": available,
        "guests": priced.guests,
        "discount": priced.amount_of("discount"),
        "tier": priced.tier,
        "perks": list(priced.perks),
        "trip": trip_body(priced.trip) if priced.trip else None,
    }
