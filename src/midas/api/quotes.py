"""Quotes: the exact price of an asset for a range, computed on the server."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from midas.api import selectors
from midas.api.schemas import QuoteIn, QuoteOut, errors
from midas.bookings.pricing import Quote, quote
from midas.bookings.selectors import is_free
from midas.core.ranges import parse_instant

router = Router(tags=["quotes"])


@router.post(
    "/quotes",
    response={200: QuoteOut, **errors(404, 422)},
)
def create_quote(request: HttpRequest, payload: QuoteIn) -> dict:
    """Price ``asset`` for ``[start, end)`` at ``location`` (default: its home) with
    ``extras``. Bare dates are read in the location's time zone. Nothing is reserved."""
    asset = selectors.asset_by_slug(payload.asset)
    place = selectors.location_by_slug(payload.location) if payload.location else None
    tz = (place or asset.home_location).tz
    start = parse_instant(payload.start, tz, field="start")
    end = parse_instant(payload.end, tz, field="end")
    priced = quote(
        asset=asset,
        start=start,
        end=end,
        now=timezone.now(),
        location=place,
        extras=payload.extras,
    )
    return quote_body(priced, available=is_free(asset, start, end))


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
    }
