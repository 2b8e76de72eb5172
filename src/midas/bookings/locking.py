"""Row locks for booking and ledger state changes: taken late, in one order, never a 500.

Every write that changes a booking's state, or a ledger row that may change it, runs in one
transaction that first locks **the booking row**, then (if it needs one) **the payment
row**, always in that order, so two writers cannot deadlock on each other:

- on PostgreSQL, ``SELECT ... FOR UPDATE`` on that one row (``of=("self",)``: the joined
  asset and customer rows are not locked), with ``lock_timeout`` set for the transaction;
- on SQLite, the transaction is ``BEGIN IMMEDIATE``: the database write lock is taken when
  the transaction opens, so the read that follows already sees the latest committed state.

A lock that cannot be had in time (``lock_timeout`` on PostgreSQL, ``database is locked``
after ``SQLITE_BUSY_TIMEOUT`` on SQLite) becomes ``AppError(lock_timeout)``, a 409 the
client may retry. Provider calls never happen while one of these transactions is open.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import OperationalError, connection

from midas.bookings.models import Booking
from midas.core import db_errors
from midas.errors import AppError, ErrorCode

F = TypeVar("F", bound=Callable[..., Any])

LOCK_TIMEOUT_MS = 10_000


def set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")


def lock_booking(booking_id: int) -> Booking:
    """The booking, re-read and locked until the surrounding transaction ends."""
    set_lock_timeout()
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("asset", "asset__category", "asset__home_location", "location", "customer")
        .get(pk=booking_id)
    )


def conflict_on_lock_timeout(func: F) -> F:
    """Decorate a service (outside its ``@transaction.atomic``): a lock not had in time is
    ``AppError(lock_timeout)`` rather than a database error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            if db_errors.is_lock_timeout(exc):
                raise AppError(
                    ErrorCode.LOCK_TIMEOUT, "this booking is busy; please try again"
                ) from exc
            raise

    return wrapper  # type: ignore[return-value]
