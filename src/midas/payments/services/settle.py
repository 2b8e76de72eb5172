"""Bringing the ledger up to date: follow-ups, provider re-reads, refunds, stuck rows.

- ``payments_settle(booking)``: send the calls the booking's ledger is waiting for (rows
  opened pending: refunds, deposit releases, captures, holds) and place the deposit hold
  when it is due. Safe to call any number of times, from anywhere.
- ``payment_sync(provider, provider_ref)``: re-read one object from the provider and apply
  it (what webhooks call; the event's own copy is never trusted, so order does not matter).
- ``payment_refund``: staff give money back outside a cancellation.
- ``payments_settle_pending``: the job that retries what an interrupted process left.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from midas.accounts.models import User
from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import Booking
from midas.bookings.services.lifecycle import require_staff
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import get_provider
from midas.payments.selectors import (
    IN_FLIGHT,
    drivable_rows,
    payment_by_ref,
    refundable_minor,
)
from midas.payments.services.ledger import (
    child_key,
    payment_apply,
    payment_call,
    payment_open,
)

STUCK_AFTER = dt.timedelta(minutes=2)  # a pending row older than this is re-sent by the job
ABANDON_CHARGE_AFTER = dt.timedelta(hours=1)  # a charge nobody answered is given up
RESYNC_AFTER = dt.timedelta(minutes=10)  # rows waiting on the provider are re-read


def payments_settle(*, booking: Booking, now: dt.datetime | None = None) -> None:
    """Send every pending call of the booking, then the deposit hold if it is due. A
    provider that cannot be reached leaves rows pending for the job; nothing is raised."""
    from midas.payments.services.deposits import deposit_hold, hold_request

    now = now or timezone.now()
    for row in drivable_rows(booking).select_related("booking", "parent"):
        extra: dict[str, Any] = hold_request(row) if row.kind == PaymentKind.DEPOSIT_HOLD else {}
        try:
            payment_call(payment=row, now=now, **extra)
        except AppError as exc:
            audit(
                "payments.payment.retry_later",
                actor=None,
                obj=row,
                level=logging.WARNING,
                error=str(exc),
            )
    try:
        deposit_hold(booking=booking, now=now)
    except AppError as exc:
        audit(
            "payments.deposit.hold_later",
            actor=None,
            obj=booking,
            level=logging.WARNING,
            error=str(exc),
        )


def payment_sync(
    *, provider: str, provider_ref: str, payment_id: int | None = None
) -> Payment | None:
    """Re-read ``provider_ref`` from ``provider`` and apply it to its ledger row (and so to
    the booking), then send any follow-up. None when no row records that object.
    Idempotent and safe in any order; the provider call happens outside any transaction.

    ``payment_id`` (the ``metadata.payment`` we send with every charge) finds a row whose
    call was interrupted before the provider's reference was stored; it is used only for a
    pending row of that provider without a reference, and an object of the same amount."""
    row = payment_by_ref(provider=provider, provider_ref=provider_ref)
    orphan = None
    if row is None and payment_id and provider_ref:
        orphan = Payment.objects.filter(
            pk=payment_id, provider=provider, provider_ref="", status=PaymentStatus.PENDING
        ).first()
    if row is None and orphan is None:
        return None
    result = get_provider(provider).retrieve(provider_ref)
    if orphan is not None:
        if (result.amount_minor, result.currency.upper()) != (orphan.amount_minor, orphan.currency):
            audit(
                "payments.payment.sync_mismatch",
                actor=None,
                obj=("payments.payment", payment_id),
                level=logging.WARNING,
                ref=provider_ref,
            )
            return None
        row = orphan
    assert row is not None  # one of the two was found above
    row = payment_apply(payment=row, result=result)
    payments_settle(booking=row.booking)
    return row


def payment_refund(
    *,
    payment: Payment,
    amount_minor: int,
    by: User | None,
    reason: str = "",
    now: dt.datetime | None = None,
) -> Payment:
    """Refund ``amount_minor`` of a succeeded rental charge (staff: a goodwill gesture, a
    correction). At most what is left of it. Returns the refund's ledger row."""
    now = now or timezone.now()
    require_staff(by, "refund a payment")
    row = _open_refund(payment=payment, amount_minor=amount_minor)
    audit(
        "payments.refund.requested",
        actor=by,
        obj=payment,
        reason=reason[:200],
        amount=amount_minor,
        refund=row.pk,
    )
    return payment_call(payment=row, now=now)


@conflict_on_lock_timeout
@transaction.atomic
def _open_refund(*, payment: Payment, amount_minor: int) -> Payment:
    booking = lock_booking(payment.booking_id)
    charge = Payment.objects.select_for_update(of=("self",)).get(pk=payment.pk)
    if charge.kind != PaymentKind.CHARGE or charge.status != PaymentStatus.SUCCEEDED:
        raise AppError(ErrorCode.INVALID_STATE, "only a succeeded rental charge is refunded")
    left = refundable_minor(charge)
    if not 0 < amount_minor <= left:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"refund between 1 and {left} (what is left of the charge)",
            field="amount_minor",
        )
    return payment_open(
        booking=booking,
        kind=PaymentKind.REFUND,
        amount_minor=amount_minor,
        idempotency_key=child_key(charge, "refund"),
        provider=charge.provider,
        parent=charge,
    )


def payments_settle_pending(*, now: dt.datetime | None = None) -> int:
    """The job's sweep: re-send rows an interrupted process left pending, give up charges
    nobody answered, re-read rows still waiting on the provider, place deposit holds that
    came due. Returns how many bookings it looked at."""
    real_now = timezone.now()
    now = now or real_now
    stuck = Payment.objects.filter(
        status=PaymentStatus.PENDING, provider_ref="", created_at__lte=real_now - STUCK_AFTER
    )
    _give_up_charges(
        stuck.filter(kind=PaymentKind.CHARGE, created_at__lte=real_now - ABANDON_CHARGE_AFTER)
    )
    waiting = (
        Payment.objects.filter(status__in=IN_FLIGHT, updated_at__lte=real_now - RESYNC_AFTER)
        .exclude(provider_ref="")
        .exclude(kind=PaymentKind.CHARGE, status=PaymentStatus.REQUIRES_ACTION)
    )
    for row in waiting.filter(
        kind__in=(PaymentKind.CHARGE, PaymentKind.DEPOSIT_HOLD, PaymentKind.REFUND)
    ):
        try:
            payment_sync(provider=row.provider, provider_ref=row.provider_ref)
        except AppError as exc:
            audit(
                "payments.payment.resync_later",
                actor=None,
                obj=row,
                level=logging.WARNING,
                error=str(exc),
            )
    booking_ids = set(stuck.exclude(kind=PaymentKind.CHARGE).values_list("booking_id", flat=True))
    from midas.payments.services.deposits import HOLDING_STATES, hold_lead

    holding = Payment.objects.filter(
        booking=OuterRef("pk"),
        kind=PaymentKind.DEPOSIT_HOLD,
        status__in=(PaymentStatus.SUCCEEDED, *IN_FLIGHT),
    )
    booking_ids |= set(
        Booking.objects.filter(
            status__in=HOLDING_STATES, security_deposit_minor__gt=0, start__lte=now + hold_lead()
        )
        .exclude(Exists(holding))
        .values_list("pk", flat=True)
    )
    for booking in Booking.objects.filter(pk__in=booking_ids):
        payments_settle(booking=booking, now=now)
    return len(booking_ids)


@transaction.atomic
def _give_up_charges(rows: QuerySet[Payment]) -> None:
    for row in rows.select_for_update():
        row.status = PaymentStatus.CANCELED
        row.failure_code = "abandoned"
        row.failure_message = "No answer from the payment provider; the customer may pay again."
        row.save(update_fields=["status", "failure_code", "failure_message", "updated_at"])
