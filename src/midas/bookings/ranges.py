"""Reading instants and ranges from user input, for bookings and availability questions.

The generic half-open range helpers live in ``midas.core.ranges`` (re-exported here for the
callers that still import them from this module); this module adds what is the bookings'
own: a ``[start, end)`` window at most ``MAX_WINDOW`` long.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from midas.bookings.models import MAX_OCCUPANCY
from midas.core.ranges import YEARS, localize, parse_instant, require_range
from midas.errors import AppError, ErrorCode

__all__ = ["MAX_WINDOW", "YEARS", "localize", "parse_instant", "read_window", "require_range"]

MAX_WINDOW = MAX_OCCUPANCY  # the longest window availability questions may cover


def read_window(
    start_value: str | dt.date | dt.datetime,
    end_value: str | dt.date | dt.datetime,
    tz: zoneinfo.ZoneInfo,
) -> tuple[dt.datetime, dt.datetime]:
    """Parse ``[start, end)`` (bare dates and date-times in ``tz``); end after start and at
    most ``MAX_WINDOW`` long."""
    start = parse_instant(start_value, tz, field="start")
    end = parse_instant(end_value, tz, field="end")
    require_range(start, end)
    if end - start > MAX_WINDOW:
        raise AppError(
            ErrorCode.RANGE_TOO_LONG,
            f"a window may cover at most {MAX_WINDOW.days} days",
            field="end",
        )
    return start, end
