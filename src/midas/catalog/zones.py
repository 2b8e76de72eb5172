"""Time zones named for people: "Dubai time (GST, UTC+4)", never a bare IANA key or UTC.

Instants are stored in UTC; staff read and type them in the asset's home city. These helpers
label a city's zone at an instant (the offset changes with daylight saving time) or in
general ("Houston time (CST/CDT, UTC-6/-5)"), and read a wall-clock time typed in a city.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from midas.catalog.models import Location

# tzdata gives numeric names ("+04") where no abbreviation is in common use; these are the
# ones staff know.
ABBREVIATIONS: dict[str, str] = {"Asia/Dubai": "GST"}


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped when the clocks went forward (e.g. 02:30 on the US spring
    change)."""


def offset_text(offset: dt.timedelta | None) -> str:
    """``UTC+4``, ``UTC-5``, ``UTC+5:30``."""
    minutes = int((offset or dt.timedelta()).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def abbreviation(tz: zoneinfo.ZoneInfo, local: dt.datetime) -> str:
    name = local.tzname() or ""
    if not name or name[0] in "+-":
        return ABBREVIATIONS.get(tz.key, "")
    return name


def zone_label(location: Location, at: dt.datetime | None = None) -> str:
    """The zone of ``location`` at the instant ``at`` ("Dubai time (GST, UTC+4)"); without an
    instant, both of its names and offsets when it keeps daylight saving time."""
    tz = location.tz
    if at is not None:
        local = at.astimezone(tz)
        parts = [abbreviation(tz, local), offset_text(local.utcoffset())]
    else:
        year = dt.datetime.now(tz).year
        seen = [dt.datetime(year, month, 1, 12, tzinfo=tz) for month in (1, 7)]
        names = dict.fromkeys(abbreviation(tz, s) for s in seen)
        offsets = dict.fromkeys(offset_text(s.utcoffset()) for s in seen)
        offset = "/".join(offsets)
        if len(offsets) > 1:  # "UTC-5/-4"
            first, *others = offsets
            offset = "/".join([first, *(o.removeprefix("UTC") for o in others)])
        parts = ["/".join(n for n in names if n), offset]
    return f"{location.city} time ({', '.join(p for p in parts if p)})"


def offset_seconds(location: Location, at: dt.datetime) -> int:
    """The city's offset from UTC at the instant ``at``, in seconds (14400 for Dubai)."""
    return int((at.astimezone(location.tz).utcoffset() or dt.timedelta()).total_seconds())


def local_text(value: dt.datetime | None, location: Location) -> str:
    """``2030-03-10 09:00 Dubai time (GST, UTC+4)``; "—" for no instant."""
    if value is None:
        return "—"
    return f"{value.astimezone(location.tz):%Y-%m-%d %H:%M} {zone_label(location, value)}"


def from_wall_clock(naive: dt.datetime, location: Location) -> dt.datetime:
    """The instant a wall-clock time typed in ``location`` means. A time that happens twice
    (the hour the clocks go back) is the first of the two; a time that never happens (the
    hour they go forward) raises ``NonexistentLocalTime``."""
    tz = location.tz
    aware = naive.replace(tzinfo=tz, fold=0)
    round_trip = aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive.replace(tzinfo=None, fold=0):
        raise NonexistentLocalTime(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone_label(location)}: the clocks "
            "go forward then"
        )
    return aware.astimezone(dt.UTC)
