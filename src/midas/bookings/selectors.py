"""Reads: what overlaps a range, which assets are free, an asset's busy days; bookings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from midas.bookings.models import (
    MAX_OCCUPANCY,
    Booking,
    Reservation,
    ReservationKind,
    ReservationStatus,
)
from midas.catalog.models import Asset
from midas.errors import AppError, ErrorCode

ACTIVE = str(ReservationStatus.ACTIVE)
if not ACTIVE.isalpha():  # it is written into SQL as a literal
    raise ValueError(ACTIVE)


def overlapping(
    asset_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> QuerySet[Reservation]:
    """Active rows of these assets whose occupied span ``[start, occupied_until)`` meets
    ``[start, end)``. The lower bound on ``start`` (rows never span more than MAX_OCCUPANCY)
    keeps the scan of the partial index short however much history there is."""
    return Reservation.objects.filter(
        asset_id__in=list(asset_ids),
        status=ReservationStatus.ACTIVE,
        start__lt=end,
        start__gt=start - MAX_OCCUPANCY,
        occupied_until__gt=start,
    )


def busy_asset_ids(assets: Iterable[Asset], start: dt.datetime, end: dt.datetime) -> set[int]:
    """The assets that cannot take a booking ``[start, end)``: one query for all of them.

    A new booking would occupy ``[start, end + turnaround)``, so each group of assets with
    the same turnaround is checked with its own buffer."""
    return busy_in_windows([(assets, start, end)])


def busy_in_windows(
    windows: Iterable[tuple[Iterable[Asset], dt.datetime, dt.datetime]],
) -> set[int]:
    """``busy_asset_ids`` for several windows at once (the listing's dates read in each time
    zone shown), in one query: a term per window and turnaround, each served by the partial
    index ``reservation_active_span`` (asset, start, occupied_until; the status a literal).
    Plain SQL, as ``is_free``: the listing asks on every request with dates, and building
    and compiling the queryset cost several times the query."""
    ops = connection.ops
    table, asset_id, status, row_start, until = (
        ops.quote_name(name)
        for name in (Reservation._meta.db_table, "asset_id", "status", "start", "occupied_until")
    )
    terms: list[str] = []
    params: list[object] = []
    for assets, start, end in windows:
        by_buffer: dict[int, list[int]] = {}
        for asset in assets:
            by_buffer.setdefault(asset.turnaround_minutes, []).append(asset.pk)
        # rows never span more than MAX_OCCUPANCY: the lower bound keeps each scan short
        lowest = ops.adapt_datetimefield_value(start - MAX_OCCUPANCY)
        since = ops.adapt_datetimefield_value(start)
        for minutes, ids in by_buffer.items():
            terms.append(
                f"({asset_id} IN ({', '.join(['%s'] * len(ids))}) AND {row_start} < %s "
                f"AND {row_start} > %s AND {until} > %s)"
            )
            before = ops.adapt_datetimefield_value(end + dt.timedelta(minutes=minutes))
            params += [*ids, before, lowest, since]
    if not terms:
        return set()
    sql = (
        f"SELECT DISTINCT {asset_id} FROM {table} "  # noqa: S608 - constants
        f"WHERE {status} = '{ACTIVE}' AND ({' OR '.join(terms)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0] for row in cursor.fetchall()}


def free_assets(assets: QuerySet[Asset], start: dt.datetime, end: dt.datetime) -> list[Asset]:
    candidates = list(assets)
    busy = busy_asset_ids(candidates, start, end)
    return [a for a in candidates if a.pk not in busy]


def is_free(asset: Asset, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether ``asset`` can take a booking ``[start, end)`` (its turnaround after): one
    probe in plain SQL, the ``busy_asset_ids`` test for one asset without building a
    queryset (the quote asks on every request). The status is a literal so that the
    partial index ``reservation_active_span`` serves it on SQLite and PostgreSQL alike."""
    ops = connection.ops
    buffer = dt.timedelta(minutes=asset.turnaround_minutes)
    table, asset_id, status, row_start, until = (
        ops.quote_name(name)
        for name in (Reservation._meta.db_table, "asset_id", "status", "start", "occupied_until")
    )
    sql = (
        f"SELECT 1 FROM {table} WHERE {asset_id} = %s AND {status} = '{ACTIVE}' "  # noqa: S608 - constants
        f"AND {row_start} < %s AND {row_start} > %s AND {until} > %s LIMIT 1"
    )
    params = [
        asset.pk,
        ops.adapt_datetimefield_value(end + buffer),
        ops.adapt_datetimefield_value(start - MAX_OCCUPANCY),
        ops.adapt_datetimefield_value(start),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone() is None


def aware(value: object) -> dt.datetime:
    """A datetime column read in plain SQL as the ORM would give it: PostgreSQL answers an
    aware datetime, SQLite the naive UTC text Django stored."""
    if isinstance(value, dt.datetime):
        return value if timezone.is_aware(value) else value.replace(tzinfo=dt.UTC)
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"not a datetime: {value!r}")
    return parsed if timezone.is_aware(parsed) else parsed.replace(tzinfo=dt.UTC)


@dataclass(frozen=True)
class BusyPeriod:
    start: dt.datetime
    end: dt.datetime
    kind: str

    @property
    def is_block(self) -> bool:
        return self.kind != ReservationKind.BOOKING


def busy_periods(asset: Asset, start: dt.datetime, end: dt.datetime) -> list[BusyPeriod]:
    """The spans within ``[start, end)`` the asset is occupied (turnaround included),
    touching or overlapping spans merged, clipped to the window. ``overlapping`` for one
    asset in plain SQL (every uncached asset page asks; building the queryset cost more than
    the query), the status a literal for the partial index ``reservation_active_span``."""
    ops = connection.ops
    table, asset_id, status, row_start, until, kind_column = (
        ops.quote_name(name)
        for name in (
            Reservation._meta.db_table,
            "asset_id",
            "status",
            "start",
            "occupied_until",
            "kind",
        )
    )
    sql = (
        f"SELECT {row_start}, {until}, {kind_column} FROM {table} "  # noqa: S608 - constants
        f"WHERE {asset_id} = %s AND {status} = '{ACTIVE}' "
        f"AND {row_start} < %s AND {row_start} > %s AND {until} > %s ORDER BY {row_start}"
    )
    params = [
        asset.pk,
        ops.adapt_datetimefield_value(end),
        ops.adapt_datetimefield_value(start - MAX_OCCUPANCY),
        ops.adapt_datetimefield_value(start),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = [(aware(a), aware(b), str(c)) for a, b, c in cursor.fetchall()]
    merged: list[BusyPeriod] = []
    for span_start, span_end, kind in rows:
        span_start, span_end = max(span_start, start), min(span_end, end)
        if merged and span_start <= merged[-1].end:
            last = merged[-1]
            merged[-1] = BusyPeriod(last.start, max(last.end, span_end), last.kind)
        else:
            merged.append(BusyPeriod(span_start, span_end, kind))
    return merged


def month_bounds(year: int, month: int, tz: dt.tzinfo) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of the first moments of this month and the next, in ``tz``."""
    first = dt.datetime(year, month, 1, tzinfo=tz)
    following = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return first.astimezone(dt.UTC), following.astimezone(dt.UTC)


def busy_days(asset: Asset, year: int, month: int) -> dict[dt.date, str]:
    """Each local date of the month touched by a busy period: 'full' when the whole day is
    taken, 'partial' otherwise. Dates not in the dict are free."""
    tz = asset.home_location.tz
    start, end = month_bounds(year, month, tz)
    days: dict[dt.date, str] = {}
    for period in busy_periods(asset, start, end):
        local_start = period.start.astimezone(tz)
        local_end = period.end.astimezone(tz)
        day = local_start.date()
        while True:
            day_start = dt.datetime.combine(day, dt.time(), tzinfo=tz)
            day_end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), tzinfo=tz)
            if day_start >= local_end:
                break
            full = local_start <= day_start and local_end >= day_end
            if days.get(day) != "full":
                days[day] = "full" if full else "partial"
            day += dt.timedelta(days=1)
    return days


# --- Bookings -------------------------------------------------------------------------------


def bookings_of(customer: object) -> QuerySet[Booking]:
    """A customer's bookings, newest first, with what their pages and API show."""
    return Booking.objects.filter(customer=customer).select_related(
        "asset", "asset__category", "location"
    )


def booking_of_customer(reference: str, customer: object) -> Booking:
    """The customer's booking ``reference``. Someone else's booking, or none, is the same
    ``not_found`` (404): a reference never reveals that it exists."""
    booking = (
        bookings_of(customer).select_related("customer").filter(reference=reference.upper()).first()
        if reference
        else None
    )
    if booking is None:
        raise AppError(ErrorCode.NOT_FOUND, f"no booking {reference[:20]!r}")
    return booking


def booking_by_reference(reference: str) -> Booking | None:
    """Any booking by its reference (staff pages)."""
    return (
        Booking.objects.select_related("asset", "asset__category", "location", "customer")
        .filter(reference=(reference or "").upper())
        .first()
    )
