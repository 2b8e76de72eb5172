"""Paying for a held booking: the rental charge, an authentication challenge, the outcome.

``payment_pay_booking`` records the charge pending (the booking locked, its state checked),
calls the provider outside any transaction, and records the answer through the ledger:

- **succeeded**: the booking is confirmed (receipt and ``.ics`` by email) and the deposit
  hold placed when due (``deposits.py``);
- **declined**: the row is failed, the booking stays held (its slot too, until the hold
  expires) and the customer gets a "payment failed" email; they may try another card;
- **requires_action**: the customer must authenticate; the outcome carries the URL (the
  provider's, or for the sandbox the local challenge page
  ``/bookings/<ref>/pay/challenge/<payment id>/``, which calls
  ``payment_complete_challenge``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from midas.bookings.locking import conflict_on_lock_timeout, lock_booking
from midas.bookings.models import Booking, BookingStatus
from midas.bookings.services.change import change_id
from midas.bookings.services.lifecycle import require_state
from midas.bookings.services.notices import booking_url
from midas.errors import AppError, ErrorCode
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import get_provider, provider_name
from midas.payments.selectors import IN_FLIGHT
from midas.payments.services.ledger import (
    payment_abandon,
    payment_abandon_at_provider,
    payment_apply,
    payment_call,
    payment_open,
)
from midas.payments.services.settle import payments_settle

IN_PROGRESS_FOR = dt.timedelta(minutes=2)  # a pending charge younger than this is not retried
PAID_STATES = (BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED)
LAPSED = "The hold on this booking ended while you were paying: the payment is refunded."
LAPSED_BEFORE = "This booking is no longer held, so nothing was charged."


@dataclass(frozen=True)
class PaymentOutcome:
    status: str  # succeeded | declined | requires_action | processing | refunded
    booking: Booking
    payment: Payment
    action_url: str = ""
    message: str = ""

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


def challenge_path(payment: Payment) -> str:
    """The sandbox's local authentication page for a payment."""
    return reverse(
        "bookings:challenge",
        kwargs={"reference": payment.booking.reference, "payment_id": payment.pk},
    )


def payment_pay_booking(
    *,
    booking: Booking,
    payment_method: str,
    return_url: str = "",
    now: dt.datetime | None = None,
) -> PaymentOutcome:
    """Charge the rental total of a held booking with ``payment_method`` (sandbox: a test
    card number or a ``pm_card_*`` id; Stripe: a ``pm_`` id, or none for the Payment
    Element). ``return_url``: where the provider sends the customer back after
    authenticating (default: the booking's page). Raises ``invalid_state``
    when the booking is not held, its hold has expired or it is paid already;
    ``payment_provider_error`` when the provider cannot be reached (nothing is charged
    twice: a retry reuses the idempotency key)."""
    now = now or timezone.now()
    method = (payment_method or "").strip()
    if not method and provider_name() == "sandbox":
        raise AppError(ErrorCode.INVALID_INPUT, "choose a card to pay with", field="payment_method")
    # With Stripe and no method, the intent is created unconfirmed ("processing"): the page
    # confirms it with the Payment Element and the webhook (payment_sync) finishes the job.
    return_url = return_url or booking_url(booking)
    row, abandoned = _open_charge(booking=booking, now=now)
    payment_abandon_at_provider(payments=abandoned, now=now)
    booking = row.booking
    row = payment_call(
        payment=row,
        now=now,
        reference=booking.reference,
        amount_minor=row.amount_minor,
        currency=row.currency,
        description=f"{booking.asset.name}, booking {booking.reference}",
        customer_email=booking.customer.email,
        payment_method=method,
        capture=True,
        return_url=return_url,
        save_payment_method=booking.security_deposit_minor > 0,
        metadata={"payment": str(row.pk), "kind": row.kind},
    )
    return settle_outcome(row, now=now)


@conflict_on_lock_timeout
@transaction.atomic
def _open_charge(*, booking: Booking, now: dt.datetime) -> tuple[Payment, list[Payment]]:
    booking = lock_booking(booking.pk)
    require_state(booking, BookingStatus.HELD, action="pay for")
    if booking.hold_expires_at is not None and booking.hold_expires_at <= now:
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"the hold on booking {booking.reference} has expired; please book again",
        )
    charges = Payment.objects.filter(booking=booking, kind=PaymentKind.CHARGE)
    if charges.filter(status=PaymentStatus.SUCCEEDED).exists():
        raise AppError(ErrorCode.INVALID_STATE, f"booking {booking.reference} is paid already")
    recent = charges.filter(
        status=PaymentStatus.PENDING,
        provider_ref="",
        created_at__gt=timezone.now() - IN_PROGRESS_FOR,
    )
    if recent.exists():
        raise AppError(ErrorCode.INVALID_STATE, "a payment for this booking is already under way")
    abandoned = payment_abandon(booking=booking)  # e.g. an authentication left unfinished
    row = payment_open(
        booking=booking,
        kind=PaymentKind.CHARGE,
        amount_minor=booking.total_minor,
        idempotency_key=f"booking:{booking.reference}:charge:{charges.count() + 1}",
        provider=provider_name(),
    )
    row.booking = booking
    return row, abandoned


def settle_outcome(row: Payment, *, now: dt.datetime) -> PaymentOutcome:
    """What a charge's recorded state means to the customer, after the follow-ups it
    calls for (the deposit hold, an automatic refund) have been sent."""
    if row.status == PaymentStatus.SUCCEEDED:
        payments_settle(booking=row.booking, now=now)
    booking = Booking.objects.select_related("asset", "location", "customer").get(pk=row.booking_id)
    row.booking = booking
    if row.status == PaymentStatus.SUCCEEDED and booking.status in PAID_STATES:
        return PaymentOutcome("succeeded", booking, row)
    if row.status == PaymentStatus.SUCCEEDED:  # the hold lapsed meanwhile: given back
        return PaymentOutcome("refunded", booking, row, message=LAPSED)
    if row.status == PaymentStatus.REQUIRES_ACTION:
        url = challenge_path(row) if row.provider == "sandbox" else ""
        result_url = url or _provider_action_url(row)
        return PaymentOutcome("requires_action", booking, row, action_url=result_url)
    if row.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED):
        message = row.failure_message or "The payment did not go through."
        return PaymentOutcome("declined", booking, row, message=message)
    return PaymentOutcome("processing", booking, row, message="The payment is being processed.")


def _provider_action_url(row: Payment) -> str:
    if not row.provider_ref:
        return ""
    try:
        return get_provider(row.provider).retrieve(row.provider_ref).action_url
    except Exception:
        return ""


def payment_complete_challenge(
    *, payment: Payment, approve: bool, now: dt.datetime | None = None
) -> PaymentOutcome:
    """The sandbox's challenge page answered: ``approve`` (the customer authenticated) or
    not. Asked again, it answers with the current outcome. A booking no longer held is not
    charged: the challenge is refused for it."""
    now = now or timezone.now()
    payment = Payment.objects.select_related("booking").get(pk=payment.pk)
    if payment.status not in IN_FLIGHT or not payment.provider_ref:
        return settle_outcome(payment, now=now)
    provider = get_provider(payment.provider)
    complete = getattr(provider, "complete_challenge", None)
    if complete is None:
        raise AppError(
            ErrorCode.INVALID_STATE, "this payment is authenticated with the card's bank"
        )
    paying_for = payment.kind == PaymentKind.CHARGE and change_id(payment) is None
    if payment.booking.status != BookingStatus.HELD and paying_for:
        # nothing to pay for any more: withdraw the payment rather than fail it
        result = provider.cancel(payment.provider_ref, f"{payment.idempotency_key}:abandon")
        row = payment_apply(payment=payment, result=result, now=now)
        return PaymentOutcome("declined", row.booking, row, message=LAPSED_BEFORE)
    result = complete(payment.provider_ref, approve=approve)
    row = payment_apply(payment=payment, result=result, now=now)
    return settle_outcome(row, now=now)
