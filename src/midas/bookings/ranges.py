"""Reading instants and ranges from user input.

Times are ISO 8601. A value with an offset is taken as it is; a bare date means the start of
that day, and a bare date-time means that wall-clock time, in the asset's location. Results
are aware datetimes in UTC. Anything else is an ``AppError`` with code ``invalid_input``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from midas.errors import AppError, ErrorCode


def localize(naive: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Attach ``tz`` to a wall-clock time; a time skipped by DST moves forward past the gap."""
    aware = naive.replace(tzinfo=tz)
    round_trip = aware.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if round_trip != naive:  # inside a spring-forward gap: take the later offset
        aware = naive.replace(tzinfo=tz, fold=1)
    return aware.astimezone(dt.UTC)


def parse_instant(value: str | dt.date | dt.datetime, tz: zoneinfo.ZoneInfo, *, field: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC) if value.tzinfo else localize(value, tz)
    if isinstance(value, dt.date):
        return localize(dt.datetime.combine(value, dt.time()), tz)
    text = (value or "").strip()
    if not text:
        raise AppError(ErrorCode.INVALID_INPUT, f"{field} is required", field=field)
    try:
        if len(text) == 10:
            return localize(dt.datetime.combine(dt.date.fromisoformat(text), dt.time()), tz)
        parsed = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"{field} must be an ISO 8601 date or date-time, got {text[:40]!r}",
            field=field,
        ) from exc
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else localize(parsed, tz)
