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

from django.db import DatabaseError, OperationalError, connection

from midas.bookings.models import Booking
from midas.errors import AppError, ErrorCode

F = TypeVar("F", bound=Callable[..., Any])

LOCK_TIMEOUT_MS = 10_000


def is_lock_timeout(exc: DatabaseError) -> bool:
    text = str(exc).lower()
    return "database is locked" in text or "lock timeout" in text or "deadlock" in text


def _set_lock_timeout() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = {LOCK_TIMEOUT_MS}")


def lock_booking(booking_id: int) -> Booking:
    """The booking, re-read and locked until the surrounding transaction ends."""
    _set_lock_timeout()
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("asset", "asset__category", "asset__home_location", "location", "customer")
        .get(pk=booking_id)
    )


def lock_payment(payment_id: int) -> Any:
    """The ledger row, re-read and locked (after its booking: see the module's note)."""
    from midas.payments.models import Payment

    _set_lock_timeout()
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


def conflict_on_lock_timeout(func: F) -> F:
    """Decorate a service (outside its ``@transaction.atomic``): a lock not had in time is
    ``AppError(lock_timeout)`` rather than a database error."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OperationalError as exc:
            if is_lock_timeout(exc):
                raise AppError(
                    ErrorCode.LOCK_TIMEOUT, "this booking is busy; please try again"
                ) from exc
            raise

    return wrapper  # type: ignore[return-value]
