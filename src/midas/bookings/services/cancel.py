"""Cancelling a booking: the refund per policy, the deposit released, the slot freed.

``booking_cancel`` changes the booking and records the money to move in one transaction
(**cancelled**, the reservation released, refund and deposit-release rows opened pending in
the ledger, the emails in the outbox); then, outside it, asks the provider to move the money.
When the refund comes back succeeded the ledger moves the booking to **refunded**. If the
process stops in between, the pending rows are re-sent with the same idempotency keys by
the ``settle_payments`` job: the customer is refunded exactly once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import Booking, BookingChangeStatus, BookingStatus
from midas.bookings.policies import cancellation_preview
from midas.bookings.services.lifecycle import require_staff, require_state
from midas.bookings.services.notices import tell_customer, tell_staff
from midas.bookings.services.slots import release
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.money import format_money

if TYPE_CHECKING:
    from midas.payments.models import Payment

CANCELLABLE = (BookingStatus.REQUESTED, BookingStatus.HELD, BookingStatus.CONFIRMED)


def booking_cancel(
    *,
    booking: Booking,
    by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
    full_refund: bool = False,
) -> Booking:
    """Cancel ``booking`` for its customer or for staff (``by``; None: the system).

    The refund is ``cancellation_preview``'s at ``now``; ``full_refund`` (staff only)
    refunds everything paid. Raises ``invalid_state`` once the booking has started or
    ended, ``forbidden`` for a full refund asked by a customer.
    """
    from midas.payments.services import payment_abandon_at_provider, payments_settle

    now = now or timezone.now()
    abandoned = _cancel(booking=booking, by=by, reason=reason, now=now, full_refund=full_refund)
    payment_abandon_at_provider(payments=abandoned, now=now)
    payments_settle(booking=booking, now=now)
    return Booking.objects.select_related("asset", "location", "customer").get(pk=booking.pk)


@conflict_on_lock_timeout
@transaction.atomic
def _cancel(
    *, booking: Booking, by: User | None, reason: str, now: dt.datetime, full_refund: bool
) -> list[Payment]:
    from midas.payments.selectors import active_hold, refundable_minor, succeeded_charges
    from midas.payments.services.ledger import child_key, payment_abandon, payment_open

    if full_refund:
        require_staff(by, "grant a full refund")
    booking = lock_booking(booking.pk)
    if by is not None and not by.is_staff and by.pk != booking.customer_id:
        raise AppError(ErrorCode.NOT_FOUND, "no such booking")
    require_state(booking, *CANCELLABLE, action="cancel")
    preview = cancellation_preview(booking=booking, now=now, full_refund=full_refund)
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancellation_reason = reason[:200]
    booking.refund_minor = preview.refund_minor
    booking.hold_expires_at = None
    booking.save(
        update_fields=[
            "status",
            "cancelled_at",
            "cancellation_reason",
            "refund_minor",
            "hold_expires_at",
            "updated_at",
        ]
    )
    reservation = booking.reservation if booking.reservation_id else None
    if reservation is not None:
        booking.reservation = release(reservation=reservation, now=now)
    left = preview.refund_minor
    for charge in succeeded_charges(booking):
        amount = min(left, refundable_minor(charge))
        if amount <= 0:
            continue
        payment_open(
            booking=booking,
            kind="refund",
            amount_minor=amount,
            idempotency_key=child_key(charge, "refund"),
            provider=charge.provider,
            parent=charge,
        )
        left -= amount
    hold = active_hold(booking)
    if hold is not None:
        payment_open(
            booking=booking,
            kind="deposit_release",
            amount_minor=hold.amount_minor,
            idempotency_key=child_key(hold, "release"),
            provider=hold.provider,
            parent=hold,
        )
    abandoned = payment_abandon(booking=booking)
    booking.changes.filter(status=BookingChangeStatus.AWAITING_PAYMENT).update(
        status=BookingChangeStatus.FAILED, failure="the booking was cancelled", updated_at=now
    )
    refund = format_money(preview.refund_minor, booking.currency)
    details: dict[str, Any] = {
        "refund": refund,
        "refund_minor": preview.refund_minor,
        "reason": reason,
        "refund_tier": preview.tier,
        "refund_explanation": preview.explanation,
    }
    tell_customer(booking, "booking_cancelled", dedupe="cancelled", **details)
    tell_staff(
        booking,
        "staff_booking_cancelled",
        dedupe="cancelled",
        cancelled_by=str(by) if by else "the system",
        **details,
    )
    audit(
        "bookings.booking.cancelled",
        actor=by,
        obj=booking,
        reason=reason[:200],
        reference=booking.reference,
        refund_minor=preview.refund_minor,
        tier=preview.tier,
    )
    return abandoned
