"""Half-open UTC ranges ``[start, end)`` read from user input, and the one check that a
range ends after it starts.

Times are ISO 8601. A value with an offset is taken as it is; a bare date means the start of
that day, and a bare date-time means that wall-clock time, in the given time zone. Results
are aware datetimes in UTC. Anything else is an ``AppError`` with code ``invalid_input``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from midas.errors import AppError, ErrorCode

END_AFTER_START = "the end must be after the start"

YEARS = range(2000, 2201)  # outside this, arithmetic on the range could overflow


def require_range(
    start: dt.date,
    end: dt.date,
    *,
    field: str | None = "end",
    message: str = END_AFTER_START,
) -> None:
    """Refuse a range that does not end after it starts (``invalid_range``): the one
    'end after start' check, for instants (``datetime``) and calendar dates alike. A caller
    with its own wording passes ``message``."""
    if end <= start:
        raise AppError(ErrorCode.INVALID_RANGE, message, field=field)


def localize(naive: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """Attach ``tz`` to a wall-clock time (PEP 495, fold=0): a time repeated when clocks go
    back is its first occurrence; a time skipped when they go forward lands past the gap
    (02:30 on a spring-forward night is 03:30)."""
    return naive.replace(tzinfo=tz).astimezone(dt.UTC)


def parse_instant(
    value: str | dt.date | dt.datetime, tz: zoneinfo.ZoneInfo, *, field: str
) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date):
        parsed = dt.datetime.combine(value, dt.time())
    else:
        parsed = _parse_text(value, field)
    if parsed.year not in YEARS:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"{field} must be between 2000 and 2200", field=field
        )
    return parsed.astimezone(dt.UTC) if parsed.tzinfo else localize(parsed, tz)


def _parse_text(value: str, field: str) -> dt.datetime:
    text = (value or "").strip()
    if not text:
        raise AppError(ErrorCode.INVALID_INPUT, f"{field} is required", field=field)
    try:
        if len(text) > 35:
            raise ValueError("too long")
        if len(text) == 10:
            return dt.datetime.combine(dt.date.fromisoformat(text), dt.time())
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"{field} must be a date like 2027-03-12, or a date and time like "
            f"2027-03-12T10:00; got {text[:40]!r}",
            field=field,
        ) from exc
