"""The catalogue search, one for the pages and the API alike: text, category, make, body
style, guests, city, price (approximate per day in a display currency), order and, with
dates, only the assets free for ``[start, end)``.

The catalogue half (filters and order) is ``midas.catalog.selectors.matching``; this module
adds availability, which is the bookings' to know. The collection page builds an
``AssetSearch`` from its form, ``GET /api/v1/assets`` from its query parameters, and both
call ``search_assets``, so the same criteria always find the same assets.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import QuerySet

from midas.bookings.ranges import read_window
from midas.bookings.selectors import busy_in_windows
from midas.catalog.display_prices import DEFAULT_CURRENCY
from midas.catalog.models import Asset, Category, Location
from midas.catalog.selectors import Sort, matching, memo
from midas.catalog.specs import SUBCATEGORIES
from midas.errors import AppError, ErrorCode

UTC = zoneinfo.ZoneInfo("UTC")

Instant = str | dt.date | dt.datetime  # see AssetSearch


@dataclass(frozen=True)
class AssetSearch:
    """What a visitor or a client narrowed the collection to.

    Prices are whole major units of ``currency`` per day, approximate (an hourly rate counts
    8 hours, rates converted through ``catalog.ExchangeRate``: ``catalog.display_prices``),
    both bounds included. ``text`` is searched in names, makes, models, features and
    descriptions; ``make`` is a brand as stored; ``guests`` is at least that many seats,
    guests or passengers. ``start`` and ``end`` are ``[start, end)``: an aware datetime is
    taken as it is; a bare date (local midnight) or date-time is read in ``location``'s time
    zone, else in each asset's home zone. An unknown ``sort`` is ``Sort.FEATURED``; no ``sort`` is
    ``Sort.RELEVANCE`` with text, else ``Sort.FEATURED``.
    """

    category: Category | None = None
    location: Location | None = None
    start: Instant | None = None
    end: Instant | None = None
    price_min: int | None = None
    price_max: int | None = None
    sort: str = ""
    text: str = ""
    make: str | None = None
    subcategory: str | None = None
    guests: int | None = None
    currency: str = DEFAULT_CURRENCY

    @property
    def has_dates(self) -> bool:
        return self.start is not None and self.end is not None

    @property
    def order(self) -> str:
        if self.sort:
            return self.sort
        return Sort.RELEVANCE if self.text.strip() else Sort.FEATURED

    def check(self) -> None:
        """Refuse what cannot be searched (``AppError``): one date without the other, a
        maximum price below the minimum, a window that is unreadable, backwards or longer
        than ``MAX_WINDOW`` (read in the city's zone, or UTC, before any asset is met)."""
        require_both_dates(self.start, self.end)
        low, high = self.price_min, self.price_max
        if low is not None and high is not None and high < low:
            raise AppError(
                ErrorCode.INVALID_RANGE, "price_max must not be below price_min", field="price_max"
            )
        kinds = {kind for named in SUBCATEGORIES.values() for kind in named}
        if self.subcategory and self.subcategory not in kinds:
            raise AppError(
                ErrorCode.INVALID_INPUT,
                f"no body style {self.subcategory!r}",
                field="subcategory",
            )
        if self.start is not None and self.end is not None:
            read_window(self.start, self.end, self.location.tz if self.location else UTC)


def require_both_dates(start: Instant | None, end: Instant | None) -> None:
    if (start is None) != (end is None):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "give both start and end to filter by availability",
            field="end" if end is None else "start",
        )


def search_assets(
    search: AssetSearch, *, version: int | None = None
) -> QuerySet[Asset] | list[Asset]:
    """The active assets matching ``search``, in its order, ready for cards and pagination
    (category, home city and images loaded, so a page costs the same queries whatever its
    size).

    A queryset; a list once dates are given (availability is checked in Python after one
    occupancy query for all the time zones involved), or when ``version`` (the catalogue version,
    read before) is given: the catalogue half is then kept per version in this process
    (``catalog.selectors.memo``) and only availability is asked of the database.
    """
    search.check()
    criteria = {
        "category": search.category,
        "location": search.location,
        "price_min": search.price_min,
        "price_max": search.price_max,
        "sort": search.order,
        "text": search.text,
        "make": search.make,
        "subcategory": search.subcategory,
        "guests": search.guests,
        "currency": search.currency,
    }
    assets: QuerySet[Asset] | list[Asset]
    if version is None:
        assets = matching(**criteria)  # type: ignore[arg-type]
    else:
        key = ("matching", *((name, getattr(v, "pk", v)) for name, v in criteria.items()))
        assets = memo.get(version, key, lambda: list(matching(**criteria)))  # type: ignore[arg-type]
    if search.start is None or search.end is None:
        return assets
    return free_between(assets, search.start, search.end, search.location)


def free_between(
    assets: QuerySet[Asset] | list[Asset], start: Instant, end: Instant, location: Location | None
) -> list[Asset]:
    """Those of ``assets`` that can take a booking ``[start, end)`` (turnaround included),
    in their order: bare dates and date-times read in ``location``'s time zone, else in
    each asset's own."""
    candidates = list(assets)
    by_zone: dict[str, list[Asset]] = defaultdict(list)
    for asset in candidates:
        by_zone[location.timezone if location else asset.home_location.timezone].append(asset)
    windows = []  # one query for every time zone involved
    for zone, members in by_zone.items():
        begin, finish = read_window(start, end, zoneinfo.ZoneInfo(zone))
        windows.append((members, begin, finish))
    busy = busy_in_windows(windows)
    return [a for a in candidates if a.pk not in busy]
