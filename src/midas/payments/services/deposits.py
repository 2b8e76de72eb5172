"""The security deposit: an authorisation on the customer's card, captured or released.

- **Hold.** Placed off-session with the card the rental was paid with, once the start is
  within ``DEPOSIT_HOLD_LEAD_DAYS`` (default 5): right after payment for a booking that
  starts soon, else by the ``settle_payments`` job. A card authorisation lasts about seven
  days, so holding it at checkout for a booking months away would lapse before the return.
  At most ``DEPOSIT_HOLD_ATTEMPTS`` tries; a failure tells staff.
- **Capture** (staff, after damage): part or all of the hold; the provider releases the rest
  at once, recorded as a release of the remainder.
- **Release**: the whole hold, by staff, on cancellation, or by the ``release_deposits`` job
  ``DEPOSIT_RELEASE_DAYS`` (default 2) after the return.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.services.lifecycle import require_staff
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import get_provider
from midas.payments.selectors import IN_FLIGHT, active_hold, succeeded_charges
from midas.payments.services.ledger import child_key, payment_call, payment_open

K = PaymentKind
HOLDING_STATES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS)
CHANGE_RELEASE = ":release:change-"  # the key of a release made by a booking change


def hold_lead() -> dt.timedelta:
    return dt.timedelta(days=settings.DEPOSIT_HOLD_LEAD_DAYS)


def release_after() -> dt.timedelta:
    return dt.timedelta(days=settings.DEPOSIT_RELEASE_DAYS)


def hold_attempts() -> int:
    return settings.DEPOSIT_HOLD_ATTEMPTS


def hold_request(row: Payment) -> dict[str, Any]:
    """The charge arguments of a hold row: off-session, on the card of the rental charge."""
    booking = row.booking
    charge = succeeded_charges(booking).first()
    method = ""
    if charge is not None and charge.provider_ref:
        method = get_provider(charge.provider).retrieve(charge.provider_ref).payment_method
    return {
        "reference": booking.reference,
        "amount_minor": row.amount_minor,
        "currency": row.currency,
        "description": f"Security deposit, booking {booking.reference}",
        "customer_email": booking.customer.email,
        "payment_method": method,
        "capture": False,
        "off_session": True,
        "metadata": {"payment": str(row.pk), "kind": row.kind},
    }


def deposit_hold(*, booking: Booking, now: dt.datetime | None = None) -> Payment | None:
    """Place the deposit hold if it is due and not yet placed; the hold row, or None."""
    now = now or timezone.now()
    if not _may_be_due(booking, now):
        return None  # no transaction: on SQLite one takes the write lock, even to do nothing
    row = _open_hold(booking=booking, now=now)
    if row is None:
        return None
    return payment_call(payment=row, now=now, **hold_request(row))


def _may_be_due(booking: Booking, now: dt.datetime) -> bool:
    """The booking as the caller read it may need its hold now (``_open_hold`` decides on
    the locked row)."""
    return (
        booking.security_deposit_minor > 0
        and booking.status in HOLDING_STATES
        and booking.start - now <= hold_lead()
    )


@conflict_on_lock_timeout
@transaction.atomic
def _open_hold(*, booking: Booking, now: dt.datetime) -> Payment | None:
    if not _may_be_due(booking, now):
        return None
    booking = lock_booking(booking.pk)
    if booking.status not in HOLDING_STATES:
        return None
    every = Payment.objects.filter(booking=booking, kind=K.DEPOSIT_HOLD)
    # a hold released because the booking's dates or deposit changed no longer counts
    holds = every.exclude(children__idempotency_key__contains=CHANGE_RELEASE)
    if holds.filter(status__in=(PaymentStatus.SUCCEEDED, *IN_FLIGHT)).exists():
        return None
    attempts = holds.count()
    charge = succeeded_charges(booking).first()
    if attempts >= hold_attempts() or charge is None:
        return None
    return payment_open(
        booking=booking,
        kind=K.DEPOSIT_HOLD,
        amount_minor=booking.security_deposit_minor,
        idempotency_key=f"booking:{booking.reference}:deposit:{every.count() + 1}",
        provider=charge.provider,
    )


def deposit_capture(
    *,
    booking: Booking,
    amount_minor: int,
    by: User | None,
    reason: str,
    now: dt.datetime | None = None,
) -> Payment:
    """Keep ``amount_minor`` of the deposit (damage, fuel, a late return); the rest of the
    hold is released. Staff only; the customer gets an email with the reason."""
    now = now or timezone.now()
    require_staff(by, "capture a deposit")
    if not reason.strip():
        raise AppError(ErrorCode.INVALID_INPUT, "say why the deposit is kept", field="reason")
    row = _open_settlement(
        booking=booking, kind=K.DEPOSIT_CAPTURE, amount_minor=amount_minor, by=by
    )
    return payment_call(payment=row, now=now, note=reason.strip()[:200])


def deposit_release(
    *, booking: Booking, by: User | None, now: dt.datetime | None = None
) -> Payment:
    """Release the whole deposit hold (staff, or the system with ``by=None``)."""
    now = now or timezone.now()
    require_staff(by, "release a deposit")
    row = _open_settlement(booking=booking, kind=K.DEPOSIT_RELEASE, amount_minor=None, by=by)
    return payment_call(payment=row, now=now)


@conflict_on_lock_timeout
@transaction.atomic
def _open_settlement(
    *, booking: Booking, kind: str, amount_minor: int | None, by: User | None
) -> Payment:
    booking = lock_booking(booking.pk)
    hold = active_hold(booking)
    if hold is None:
        raise AppError(ErrorCode.INVALID_STATE, f"booking {booking.reference} has no deposit held")
    amount = hold.amount_minor if amount_minor is None else amount_minor
    if not 0 < amount <= hold.amount_minor:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"capture between 1 and {hold.amount_minor} (the deposit held)",
            field="amount_minor",
        )
    action = "capture" if kind == K.DEPOSIT_CAPTURE else "release"
    audit(
        f"payments.deposit.{action}",
        actor=by,
        obj=booking,
        reference=booking.reference,
        amount=amount,
    )
    return payment_open(
        booking=booking,
        kind=kind,
        amount_minor=amount,
        idempotency_key=child_key(hold, action),
        provider=hold.provider,
        parent=hold,
    )


def deposits_release_due(*, now: dt.datetime | None = None) -> int:
    """Release the holds of bookings returned ``DEPOSIT_RELEASE_DAYS`` ago or more (and of
    any booking that no longer needs one: cancelled, expired). Returns how many."""
    now = now or timezone.now()
    holds = Payment.objects.filter(kind=K.DEPOSIT_HOLD, status=PaymentStatus.SUCCEEDED).exclude(
        children__status__in=(PaymentStatus.SUCCEEDED, *IN_FLIGHT)
    )
    done = 0
    for hold in holds.select_related("booking", "booking__reservation"):
        booking = hold.booking
        if booking.status in HOLDING_STATES:
            continue
        if booking.status == BookingStatus.COMPLETED:
            returned = booking.reservation.released_at if booking.reservation else None
            if returned is None or returned + release_after() > now:
                continue
        try:
            deposit_release(booking=booking, by=None, now=now)
            done += 1
        except AppError as exc:
            audit(
                "payments.deposit.release_failed",
                actor=None,
                obj=booking,
                level=logging.WARNING,
                error=str(exc),
            )
    return done
