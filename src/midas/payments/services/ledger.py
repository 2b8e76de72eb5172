"""The ledger's write path: open a row, apply what the provider answered, drive a row on.

Every movement of money follows the same three steps, so a crash at any point loses
nothing (docs/explanation/payments.md, "Crash cases"):

1. ``payment_open`` records the row **pending**, with an idempotency key derived from our
   own ids, in the caller's transaction (with the state change that wants the money moved);
2. the provider is called **outside** any transaction, with that key;
3. ``payment_apply`` records the answer in a new transaction that locks the booking, then
   the row (``bookings.locking``). Status only moves forward, so applying the same answer
   twice, or an older answer after a newer one, changes nothing; each change runs its
   consequences (confirm the booking, email the customer, tell staff) exactly once, in that
   same transaction.

A row left pending without a provider reference is re-sent by ``payment_drive`` with the
same key: the provider answers a key it has seen with its first answer.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.bookings.locking import conflict_on_lock_timeout, lock_booking, set_lock_timeout
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.services.change import booking_change_paid
from midas.bookings.services.lifecycle import booking_confirm_payment, booking_mark_refunded
from midas.bookings.services.notices import tell_customer, tell_staff
from midas.core.audit import audit
from midas.errors import AppError, ErrorCode
from midas.money import format_money
from midas.payments.interface import ChargeRequest, ProviderResult
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import get_provider
from midas.payments.providers.base import is_refusal
from midas.payments.selectors import ledger_totals, refundable_minor, succeeded_charges

S, F, C = PaymentStatus.SUCCEEDED, PaymentStatus.FAILED, PaymentStatus.CANCELED
P, RA = PaymentStatus.PENDING, PaymentStatus.REQUIRES_ACTION
K = PaymentKind

# The provider's answer → the row's status, per kind of row.
STATUS_BY_KIND: dict[str, dict[str, str]] = {
    K.CHARGE: {"succeeded": S, "requires_action": RA, "failed": F, "canceled": C},
    K.DEPOSIT_HOLD: {
        "requires_capture": S,  # authorised: the hold is in place
        "succeeded": S,  # and since captured (settled through its children)
        "requires_action": RA,
        "failed": F,
        "canceled": C,  # never authorised (an authorised hold, cancelled, is released)
    },
    K.REFUND: {"succeeded": S, "failed": F, "canceled": C},
    K.DEPOSIT_CAPTURE: {"succeeded": S, "failed": F},
    K.DEPOSIT_RELEASE: {"canceled": S, "failed": F},
}


def may_move(current: str, new: str) -> bool:
    """Forward only: succeeded is final; failed or cancelled rows move only to succeeded
    (the provider's truth: a payment we gave up on went through after all)."""
    if new == current or current == S:
        return False
    if current in (F, C):
        return new == S
    return not (current == RA and new == P)


def payment_open(
    *,
    booking: Booking,
    kind: str,
    amount_minor: int,
    idempotency_key: str,
    provider: str,
    parent: Payment | None = None,
    status: str = P,
) -> Payment:
    """Record a movement of money about to be asked for (or, with ``status``, one the
    provider already made). The same key returns the row recorded the first time."""
    row = Payment(
        booking=booking,
        kind=kind,
        status=status,
        amount_minor=amount_minor,
        currency=booking.currency,
        provider=provider,
        # a capture or release made already (seen on the provider) is recorded on its hold's
        # object; one still to ask for gets the ref from the provider's answer
        provider_ref=parent.provider_ref if parent and kind != K.REFUND and status != P else "",
        idempotency_key=idempotency_key,
        parent=parent,
    )
    try:
        with transaction.atomic():
            row.save(force_insert=True)
    except IntegrityError:
        return Payment.objects.get(idempotency_key=idempotency_key)
    return row


def lock_payment(payment_id: int) -> Payment:
    """The ledger row, re-read and locked, always after its booking (``bookings.locking``)."""
    set_lock_timeout()
    return Payment.objects.select_for_update(of=("self",)).get(pk=payment_id)


@conflict_on_lock_timeout
@transaction.atomic
def payment_apply(
    *, payment: Payment, result: ProviderResult, now: dt.datetime | None = None, note: str = ""
) -> Payment:
    """Record the provider's answer about ``payment`` (idempotent, any order). ``note``
    (e.g. why a deposit was captured) goes into the email the change sends."""
    now = now or timezone.now()
    booking = lock_booking(payment.booking_id)
    row = lock_payment(payment.pk)
    fields = []
    if result.provider_ref and not row.provider_ref:
        row.provider_ref = result.provider_ref
        fields.append("provider_ref")
    new = STATUS_BY_KIND[row.kind].get(result.status, P)
    if row.kind == K.DEPOSIT_HOLD and row.status == S:
        _settle_hold(booking, row, result, now)
    if may_move(row.status, new):
        row.status = new
        fields.append("status")
        if new == F:
            row.failure_code = (result.failure_code or "failed")[:60]
            row.failure_message = (result.failure_message or "")[:300]
            fields += ["failure_code", "failure_message"]
    if fields:
        row.save(update_fields=[*fields, "updated_at"])
    if "status" in fields:
        audit(
            f"payments.payment.{row.status}",
            actor=None,
            obj=row,
            booking=booking.reference,
            kind=row.kind,
        )
        _after_move(booking, row, now, note)
    return row


def _settle_hold(booking: Booking, hold: Payment, result: ProviderResult, now: dt.datetime) -> None:
    """The provider says an authorised hold was captured or released (by our own call that
    was not recorded, or from the provider's dashboard): record its children."""
    children = {c.kind: c for c in hold.children.exclude(status__in=(F, C))}
    if result.status == "succeeded" and K.DEPOSIT_CAPTURE not in children:
        capture = payment_open(
            booking=booking,
            kind=K.DEPOSIT_CAPTURE,
            amount_minor=result.amount_minor,
            idempotency_key=f"{hold.idempotency_key}:capture",
            provider=hold.provider,
            parent=hold,
        )
        _move(booking, capture, S, now)
    elif result.status == "succeeded":
        _move(booking, children[K.DEPOSIT_CAPTURE], S, now)
    elif result.status == "canceled" and K.DEPOSIT_CAPTURE not in children:
        release = children.get(K.DEPOSIT_RELEASE) or payment_open(
            booking=booking,
            kind=K.DEPOSIT_RELEASE,
            amount_minor=hold.amount_minor,
            idempotency_key=f"{hold.idempotency_key}:release",
            provider=hold.provider,
            parent=hold,
        )
        _move(booking, release, S, now)


def _move(booking: Booking, row: Payment, status: str, now: dt.datetime) -> None:
    if may_move(row.status, status):
        row.status = status
        row.save(update_fields=["status", "updated_at"])
        _after_move(booking, row, now)


def _after_move(booking: Booking, row: Payment, now: dt.datetime, note: str = "") -> None:
    """The consequences of a row reaching its new status, in the same transaction."""
    money = booking.currency
    if row.kind == K.CHARGE and row.status == S:
        _charge_succeeded(booking, row, now)
    elif row.kind == K.CHARGE and row.status == F:
        tell_customer(
            booking,
            "payment_failed",
            dedupe=f"payment-failed:{row.pk}",
            failure_message=row.failure_message or "Your card was declined.",
            amount=format_money(row.amount_minor, money),
        )
    elif row.kind == K.REFUND and row.status == S:
        totals = ledger_totals(booking)
        cancelled = booking.status == BookingStatus.CANCELLED and booking.refund_minor
        if cancelled and totals.refunded >= booking.refund_minor:
            booking_mark_refunded(booking=booking, now=now)
    elif row.kind == K.DEPOSIT_CAPTURE and row.status == S:
        hold = row.parent
        rest = hold.amount_minor - row.amount_minor if hold else 0
        if hold and rest > 0:  # the provider releases what was not captured
            payment_open(
                booking=booking,
                kind=K.DEPOSIT_RELEASE,
                amount_minor=rest,
                idempotency_key=f"{hold.idempotency_key}:release:remainder",
                provider=row.provider,
                parent=hold,
                status=S,
            )
        tell_customer(
            booking,
            "deposit_captured",
            dedupe=f"deposit-captured:{row.pk}",
            captured=format_money(row.amount_minor, money),
            released=format_money(max(rest, 0), money),
            reason=note,
        )
    elif row.kind == K.DEPOSIT_RELEASE and row.status == S:
        tell_customer(
            booking,
            "deposit_released",
            dedupe=f"deposit-released:{row.pk}",
            released=format_money(row.amount_minor, money),
        )
    if row.status in (F, RA) and row.kind != K.CHARGE:
        _problem(
            booking,
            row,
            f"The {row.get_kind_display().lower()} {row.status}: "
            f"{row.failure_message or row.failure_code or 'see the ledger'}.",
        )


def _charge_succeeded(booking: Booking, row: Payment, now: dt.datetime) -> None:
    """A rental payment went through: confirm the booking, or give the money back when the
    booking no longer wants it (its hold expired, it was cancelled, it was paid twice)."""
    if booking_change_paid(booking=booking, payment=row, now=now):
        return  # the difference of a change: the change is made, or the charge refunded
    others = succeeded_charges(booking).exclude(pk=row.pk).exists()
    if not others and booking.status == BookingStatus.HELD:
        booking_confirm_payment(booking=booking, payment=row, now=now)
        return
    if not others and booking.status in (
        BookingStatus.CONFIRMED,
        BookingStatus.IN_PROGRESS,
        BookingStatus.COMPLETED,
    ):
        return
    payment_open(
        booking=booking,
        kind=K.REFUND,
        amount_minor=refundable_minor(row),
        idempotency_key=f"{row.idempotency_key}:refund:auto",
        provider=row.provider,
        parent=row,
    )
    _problem(
        booking,
        row,
        f"A payment of {format_money(row.amount_minor, booking.currency)} arrived for a "
        f"booking that is {booking.get_status_display().lower()}"
        f"{' and already paid' if others else ''}: it is being refunded automatically.",
    )


def _problem(booking: Booking, row: Payment, problem: str) -> None:
    tell_staff(
        booking,
        "staff_payment_problem",
        dedupe=f"problem:{row.pk}:{row.status}",
        problem=problem,
        payment=row,
    )


# --- Driving a row: send (again) the call a pending row records ---------------------------


def call_provider(row: Payment, **charge: Any) -> ProviderResult:
    """The provider call a row stands for, with its idempotency key."""
    provider = get_provider(row.provider)
    parent_ref = row.parent.provider_ref if row.parent else ""
    if row.kind == K.REFUND:
        return provider.refund(parent_ref, row.amount_minor, row.idempotency_key)
    if row.kind == K.DEPOSIT_CAPTURE:
        return provider.capture(parent_ref, row.amount_minor, row.idempotency_key)
    if row.kind == K.DEPOSIT_RELEASE:
        return provider.cancel(parent_ref, row.idempotency_key)
    return provider.charge(ChargeRequest(idempotency_key=row.idempotency_key, **charge))


def payment_call(
    *, payment: Payment, now: dt.datetime | None = None, note: str = "", **charge: Any
) -> Payment:
    """Call the provider for ``payment`` and record the answer. A definite refusal fails
    the row; an unknown outcome (provider unreachable) leaves it pending for a retry and
    raises ``AppError(payment_provider_error)``."""
    try:
        result = call_provider(payment, **charge)
    except Exception as exc:
        if is_refusal(exc):
            message = getattr(exc, "message", str(exc))
            failed = ProviderResult(
                "",
                "failed",
                payment.amount_minor,
                payment.currency,
                failure_code="refused",
                failure_message=message,
            )
            return payment_apply(payment=payment, result=failed, now=now, note=note)
        audit(
            "payments.payment.unknown",
            actor=None,
            obj=payment,
            level=logging.WARNING,
            error=repr(exc),
        )
        Payment.objects.filter(pk=payment.pk).update(failure_message=str(exc)[:300])
        if isinstance(exc, AppError):
            raise
        raise AppError(
            ErrorCode.PAYMENT_PROVIDER_ERROR, "the payment provider could not be reached"
        ) from exc
    return payment_apply(payment=payment, result=result, now=now, note=note)


# --- Payments the booking no longer wants ---------------------------------------------------


def payment_abandon(*, booking: Booking, exclude: Payment | None = None) -> list[Payment]:
    """Inside the caller's transaction: give up on the booking's charges still under way (an
    authentication never completed). Returns them, for ``payment_abandon_at_provider``
    after the commit. Should one go through after all, the ledger refunds it."""
    under_way = Payment.objects.filter(booking=booking, kind=K.CHARGE, status__in=(P, RA))
    rows = list(under_way.exclude(pk=exclude.pk) if exclude is not None else under_way)
    for row in rows:
        row.status = C
        row.failure_code = "abandoned"
        row.save(update_fields=["status", "failure_code", "updated_at"])
    return rows


def payment_abandon_at_provider(*, payments: list[Payment], now: dt.datetime | None = None) -> None:
    """Outside any transaction: cancel abandoned payments at the provider, best effort. One
    that turns out to have succeeded is recorded as such (and so refunded)."""
    for row in payments:
        if not row.provider_ref:
            continue
        provider = get_provider(row.provider)
        try:
            provider.cancel(row.provider_ref, f"{row.idempotency_key}:abandon")
        except Exception as exc:
            audit("payments.payment.abandon_refused", actor=None, obj=row, error=repr(exc))
            try:
                payment_apply(payment=row, result=provider.retrieve(row.provider_ref), now=now)
            except Exception:
                audit(
                    "payments.payment.abandon_unknown",
                    actor=None,
                    obj=row,
                    level=logging.ERROR,
                    exc_info=True,
                )


def child_key(parent: Payment, action: str) -> str:
    """The idempotency key of the next ``action`` (capture, release, refund) on a row:
    numbered, so a new attempt after a refused one is a new call."""
    kind = {"capture": K.DEPOSIT_CAPTURE, "release": K.DEPOSIT_RELEASE, "refund": K.REFUND}
    attempt = parent.children.filter(kind=kind[action]).count() + 1
    return f"{parent.idempotency_key}:{action}:{attempt}"
