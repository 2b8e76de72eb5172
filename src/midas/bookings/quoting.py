"""The quote form of an asset page: read the query string, price it, say what went wrong.

The same rules as ``POST /api/v1/quotes``: instants are read by ``parse_instant`` in the
time zone of the chosen city, priced by ``midas.bookings.pricing.quote`` and checked for
availability; any ``AppError`` becomes a message for the visitor, never a 500.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.http import QueryDict

from midas.bookings.pricing import Quote, quote
from midas.bookings.selectors import is_free
from midas.catalog.models import AddOn, AddOnPricing, Asset, Location
from midas.core.ranges import parse_instant
from midas.errors import AppError, ErrorCode
from midas.money import format_money

FORM_FORMAT = "%Y-%m-%dT%H:%M"  # the value an <input type="datetime-local"> takes


@dataclass
class QuoteRequest:
    start: str = ""
    end: str = ""
    location: str = ""
    extras: list[str] = field(default_factory=list)

    @classmethod
    def from_query(cls, query: QueryDict) -> QuoteRequest:
        return cls(
            start=query.get("start", "").strip()[:40],
            end=query.get("end", "").strip()[:40],
            location=query.get("location", "").strip()[:60],
            extras=[code[:60] for code in query.getlist("extras")[:20] if code],
        )

    @property
    def submitted(self) -> bool:
        return bool(self.start or self.end)


@dataclass
class QuoteResult:
    request: QuoteRequest
    location: Location
    quote: Quote | None = None
    available: bool | None = None
    error: AppError | None = None
    start_value: str = ""  # what the form fields show back
    end_value: str = ""

    @property
    def error_field(self) -> str:
        return (self.error.field or "") if self.error else ""

    @property
    def local_start(self) -> str:
        return self._local(self.quote.start) if self.quote else ""

    @property
    def local_end(self) -> str:
        return self._local(self.quote.end) if self.quote else ""

    def _local(self, instant: dt.datetime) -> str:
        local = instant.astimezone(self.location.tz)
        return f"{local:%a} {local.day} {local:%b %Y, %H:%M}"

    @property
    def summary(self) -> str:
        """One line for the concierge: what, where and when."""
        if not self.quote:
            return ""
        asset = self.quote.asset
        return (
            f"{asset.name} in {self.location.city}, {self.local_start} to {self.local_end} "
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
) -> QuoteResult:
    """Price the request when one was made; otherwise an empty result for the blank form."""
    result = QuoteResult(
        request=request,
        location=asset.home_location,
        start_value=request.start,
        end_value=request.end,
    )
    if not request.submitted:
        return result
    try:
        result.location = chosen_location(asset, request.location, served)
        tz = result.location.tz
        start = parse_instant(request.start, tz, field="start")
        result.start_value = local_value(start, result.location)
        end = parse_instant(request.end, tz, field="end")
        result.end_value = local_value(end, result.location)
        result.quote = quote(
            asset=asset,
            start=start,
            end=end,
            now=now,
            location=result.location,
            extras=request.extras,
        )
        result.available = is_free(asset, start, end)
    except AppError as exc:
        result.error = exc
    return result
