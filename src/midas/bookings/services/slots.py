"""Writes that occupy or free an asset. ``reserve`` is the one path that creates a row."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import IntegrityError, OperationalError, transaction
from django.utils import timezone

from midas.bookings.models import MAX_OCCUPANCY, Reservation, ReservationKind, ReservationStatus
from midas.bookings.selectors import overlapping
from midas.catalog.models import Asset
from midas.catalog.services import calendar_version_bump
from midas.core import db_errors
from midas.core.ranges import require_range
from midas.errors import AppError, ErrorCode

NO_OVERLAP = "reservation_no_overlap"  # PostgreSQL's exclusion constraint (migration 0002)

REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_reference(prefix: str = "MR") -> str:
    return prefix + "-" + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))


def check_range(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise AppError(ErrorCode.INVALID_INPUT, "start and end must carry a time zone")
    require_range(start, end)
    if end - start > MAX_OCCUPANCY - dt.timedelta(days=1):
        raise AppError(
            ErrorCode.RANGE_TOO_LONG,
            f"a single reservation may last at most {MAX_OCCUPANCY.days - 1} days",
            field="end",
        )


def reserve(
    *,
    asset: Asset,
    start: dt.datetime,
    end: dt.datetime,
    kind: ReservationKind = ReservationKind.BOOKING,
    note: str = "",
    bump: bool = True,
) -> Reservation:
    """Occupy ``asset`` for ``[start, end)`` plus its turnaround buffer, or raise.

    Raises ``AppError`` with ``slot_unavailable`` when another active reservation or block
    overlaps, and ``lock_timeout`` when the database stayed busy past its timeout. Either
    way nothing is written. ``bump=False``: the caller moves the catalogue version itself,
    later in the same transaction (``booking_create`` does it last, so that on PostgreSQL
    the lock on the version's one row, which every booking takes, is held only until the
    commit that follows).
    """
    check_range(start, end)
    buffer = dt.timedelta(
        minutes=asset.turnaround_minutes if kind == ReservationKind.BOOKING else 0
    )
    occupied_until = end + buffer
    try:
        # On SQLite the outermost atomic() is BEGIN IMMEDIATE: the write lock is taken
        # here, before the check, so check-then-insert cannot interleave.
        with transaction.atomic():
            if overlapping([asset.pk], start, occupied_until).exists():
                raise AppError(
                    ErrorCode.SLOT_UNAVAILABLE, f"{asset.name} is not available for those dates"
                )
            # The savepoint lets PostgreSQL's exclusion constraint reject a racing insert
            # without poisoning an outer transaction.
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    asset=asset,
                    kind=kind,
                    start=start,
                    end=end,
                    occupied_until=occupied_until,
                    reference=new_reference(),
                    note=note[:200],
                )
            if bump:
                calendar_version_bump()  # calendars changed: cached pages render afresh
            return reservation
    except IntegrityError as exc:
        if db_errors.violates_exclusion(exc, NO_OVERLAP):
            raise AppError(
                ErrorCode.SLOT_UNAVAILABLE, f"{asset.name} is not available for those dates"
            ) from exc
        raise
    except OperationalError as exc:
        if db_errors.is_lock_timeout(exc):
            raise AppError(
                ErrorCode.LOCK_TIMEOUT, "the calendar is busy; please try again"
            ) from exc
        raise


@transaction.atomic
def release(*, reservation: Reservation, now: dt.datetime | None = None) -> Reservation:
    """Free the slot (a cancelled or expired hold, a lifted block). Idempotent."""
    locked = Reservation.objects.select_for_update().get(pk=reservation.pk)
    if locked.status != ReservationStatus.RELEASED:
        locked.status = ReservationStatus.RELEASED
        locked.released_at = now or timezone.now()
        locked.save(update_fields=["status", "released_at", "updated_at"])
        calendar_version_bump()  # calendars changed: cached pages render afresh
    return locked


def move(
    *, reservation: Reservation, start: dt.datetime, end: dt.datetime, note: str = ""
) -> Reservation:
    """Move an active booking reservation to ``[start, end)`` (plus the buffer) in place, in
    the caller's transaction, or raise: the old span is freed and the new one taken in the
    same write, so the two are never both free nor both held.

    The same rule as ``reserve``: on SQLite the surrounding IMMEDIATE transaction holds the
    write lock from before the check; on PostgreSQL the exclusion constraint judges the
    update (a savepoint keeps a refusal from poisoning the caller's transaction). Raises
    ``slot_unavailable`` or ``lock_timeout``; nothing is written then."""
    check_range(start, end)
    locked = (
        Reservation.objects.select_for_update(of=("self",))
        .select_related("asset")
        .get(pk=reservation.pk)
    )
    if locked.status != ReservationStatus.ACTIVE:
        raise AppError(ErrorCode.INVALID_STATE, "this booking no longer holds its dates")
    asset = locked.asset
    occupied_until = end + dt.timedelta(minutes=asset.turnaround_minutes)
    unavailable = AppError(
        ErrorCode.SLOT_UNAVAILABLE, f"{asset.name} is not available for those dates"
    )
    try:
        if overlapping([asset.pk], start, occupied_until).exclude(pk=locked.pk).exists():
            raise unavailable
        with transaction.atomic():
            locked.start, locked.end, locked.occupied_until = start, end, occupied_until
            if note:
                locked.note = note[:200]
            locked.save(update_fields=["start", "end", "occupied_until", "note", "updated_at"])
    except IntegrityError as exc:
        if db_errors.violates_exclusion(exc, NO_OVERLAP):
            raise unavailable from exc
        raise
    except OperationalError as exc:
        if db_errors.is_lock_timeout(exc):
            raise AppError(
                ErrorCode.LOCK_TIMEOUT, "the calendar is busy; please try again"
            ) from exc
        raise
    calendar_version_bump()  # calendars changed: cached pages render afresh
    return locked
