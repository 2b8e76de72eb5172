"""The availability calendar of an asset page: one local month, laid out in weeks.

Reads the busy days from ``midas.bookings.selectors.busy_days`` and adds what the page
needs: the grid, the state of each day in words (never colour alone), and which months a
visitor may step to (this month up to the asset's booking horizon).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from midas.bookings.selectors import busy_days
from midas.catalog.models import Asset
from midas.catalog.selectors import VersionMemo

MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")

STATES = {
    "free": "Available",
    "partial": "Partly booked",
    "full": "Booked",
    "past": "Past",
}


@dataclass(frozen=True)
class Day:
    date: dt.date
    state: str  # free | partial | full | past

    @property
    def label(self) -> str:
        return STATES[self.state]


@dataclass(frozen=True)
class Month:
    first: dt.date
    weeks: list[list[Day | None]]
    previous: str | None  # "YYYY-MM" or None at the window's edge
    following: str | None
    notice: str = ""

    @property
    def key(self) -> str:
        return f"{self.first:%Y-%m}"

    @property
    def title(self) -> str:
        return f"{self.first:%B %Y}"

    @property
    def states(self) -> tuple[str, ...]:
        """Each cell's state ("" for a blank): with ``first``, all the grid shows (its
        rendered rows are kept on that key, ``{% kept %}`` in web/_calendar.html)."""
        return tuple(day.state if day else "" for week in self.weeks for day in week)

    @property
    def weekdays(self) -> list[tuple[str, str]]:
        return [(calendar.day_abbr[i][:2], calendar.day_name[i]) for i in range(7)]


def shift(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str | None, earliest: dt.date, latest: dt.date) -> tuple[dt.date, str]:
    """The first day of the requested month, and a notice when it was refused."""
    if not value:
        return earliest, ""
    match = MONTH_RE.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        return earliest, "That month could not be read; showing this month instead."
    first = dt.date(int(match.group(1)), int(match.group(2)), 1)
    if first < earliest or first > latest:
        return earliest, "That month is outside the booking window; showing this month instead."
    return first, ""


def month_view(asset: Asset, requested: str | None, now: dt.datetime) -> Month:
    tz = asset.home_location.tz
    today = now.astimezone(tz).date()
    earliest = today.replace(day=1)
    latest = (today + dt.timedelta(days=asset.max_advance_days)).replace(day=1)
    first, notice = parse_month(requested, earliest, latest)
    busy = busy_days(asset, first.year, first.month)
    weeks: list[list[Day | None]] = []
    for week in calendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month):
        row: list[Day | None] = []
        for day in week:
            if day.month != first.month:
                row.append(None)
            elif day < today:
                row.append(Day(day, "past"))
            else:
                row.append(Day(day, busy.get(day, "free")))
        weeks.append(row)
    previous = shift(first, -1)
    following = shift(first, 1)
    return Month(
        first=first,
        weeks=weeks,
        previous=f"{previous:%Y-%m}" if previous >= earliest else None,
        following=f"{following:%Y-%m}" if following <= latest else None,
        notice=notice,
    )


# month grids kept per calendars' version: a reservation or a release moves it
months = VersionMemo(limit=1024)


def month_view_for(
    versions: tuple[int, int], asset: Asset, requested: str | None, now: dt.datetime
) -> Month:
    """``month_view``, kept in this process per (contents, calendars) versions, asset,
    month asked and today where the asset is (the days before it show as past). Every
    reservation and release moves the calendars' version and every catalogue write the
    contents' (the asset's booking horizon), so a kept grid is never older than the
    versions this request read; what no write announces is bounded by
    ``PAGE_CACHE_SECONDS``, as for the pages that show it."""
    contents, calendars = versions
    today = now.astimezone(asset.home_location.tz).date()
    key = (contents, asset.pk, requested or "", today)
    return months.get(calendars, key, lambda: month_view(asset, requested, now))
