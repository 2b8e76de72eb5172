"""What every booking page shares: the object-level access check, the page frame, and how a
booking's history and money are put into words for its customer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from midas.bookings.models import (
    Booking,
    BookingChangeKind,
    BookingChangeStatus,
    BookingStatus,
)
from midas.bookings.selectors import booking_of_customer
from midas.bookings.templatetags.bookings import local
from midas.core.meta import PageMeta
from midas.errors import AppError
from midas.money import format_money
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers import is_test_mode
from midas.payments.selectors import LedgerTotals, ledger_totals, payments_of

LOGIN = "accounts:login"
B = BookingStatus
PAYABLE = (B.HELD,)
CANCELLABLE = (B.REQUESTED, B.HELD, B.CONFIRMED)
PAID_STATES = (B.CONFIRMED, B.IN_PROGRESS, B.COMPLETED)


def to_login(request: HttpRequest, next_url: str) -> HttpResponse:
    return redirect_to_login(next_url, reverse(LOGIN))


def access_booking(request: HttpRequest, reference: str) -> Booking:
    """The signed-in customer's booking ``reference``; anyone else's is a 404, exactly as a
    reference that does not exist."""
    try:
        return booking_of_customer(reference, request.user)
    except AppError as exc:
        raise Http404("No such booking") from exc


def page(
    request: HttpRequest,
    template: str,
    title: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    meta = PageMeta(title=title, description=title, path=request.path)
    full = {"meta": meta, "test_mode": is_test_mode(), **(context or {})}
    return render(request, template, full, status=status)


def may_cancel(booking: Booking, now: dt.datetime) -> bool:
    return booking.status in CANCELLABLE and booking.start > now


def hold_minutes_left(booking: Booking, now: dt.datetime) -> int | None:
    """Whole minutes (rounded up) until a hold or request lapses; None when there is none."""
    if booking.status not in (B.HELD, B.REQUESTED) or booking.hold_expires_at is None:
        return None
    seconds = (booking.hold_expires_at - now).total_seconds()
    return max(0, int(-(-seconds // 60)))


def stripe_publishable_key() -> str:
    return settings.STRIPE_PUBLISHABLE_KEY or ""


# --- History and money, in words -----------------------------------------------------------


@dataclass(frozen=True)
class Event:
    when: dt.datetime | None
    title: str
    detail: str = ""
    tone: str = ""  # "" | good | bad


def _payment_event(row: Payment, money: str) -> Event | None:
    amount = format_money(row.amount_minor, money)
    done = row.status == PaymentStatus.SUCCEEDED
    failed = row.status in (PaymentStatus.FAILED, PaymentStatus.CANCELED)
    when = row.updated_at
    kind = row.kind
    if kind == PaymentKind.CHARGE:
        if done:
            return Event(when, f"Paid {amount}", "Card payment", "good")
        if row.status == PaymentStatus.FAILED:
            return Event(when, "Payment declined", row.failure_message or "", "bad")
        if row.status == PaymentStatus.REQUIRES_ACTION:
            return Event(when, "Payment waiting for your bank's confirmation")
        return None  # pending or abandoned attempts are noise to a customer
    if kind == PaymentKind.DEPOSIT_HOLD and done:
        return Event(when, f"Deposit of {amount} held on your card", "Not a charge")
    if kind == PaymentKind.DEPOSIT_CAPTURE and done:
        return Event(when, f"{amount} of the deposit kept", "See the email we sent", "bad")
    if kind == PaymentKind.DEPOSIT_RELEASE and done:
        return Event(when, f"Deposit of {amount} released", "", "good")
    if kind == PaymentKind.REFUND:
        if done:
            return Event(when, f"Refunded {amount}", "To the card you paid with", "good")
        if not failed:
            return Event(when, f"Refund of {amount} on its way")
    return None


def timeline(booking: Booking, payments: list[Payment]) -> list[Event]:
    """The booking's story, oldest first: what the customer did, what we did, the money.
    Steps without a recorded time (an approval, the hand-over) are placed where they
    happen in the story but shown without a time."""
    requested = booking.asset.requires_request
    created = booking.created_at
    steps: list[tuple[dt.datetime, Event]] = [
        (
            created,
            Event(
                created,
                "Request sent" if requested else "Booked and held",
                "Waiting for your concierge's approval" if requested else "Awaiting payment",
            ),
        )
    ]
    approved = booking.status in (B.HELD, *PAID_STATES) or bool(payments)
    if requested and approved:
        steps.append((created, Event(None, "Approved by your concierge", "", "good")))
    for row in payments:
        event = _payment_event(row, booking.currency)
        if event is not None:
            steps.append((row.updated_at, event))
    if booking.confirmed_at:
        # confirmed by the payment it follows (whose row is written a moment later)
        paid_at = [
            row.updated_at
            for row in payments
            if row.kind == PaymentKind.CHARGE and row.status == PaymentStatus.SUCCEEDED
        ]
        at = max([booking.confirmed_at, *paid_at])
        steps.append((at, Event(booking.confirmed_at, "Confirmed", "", "good")))
    steps += _change_steps(booking, payments)
    if booking.status in (B.IN_PROGRESS, B.COMPLETED):
        steps.append(
            (max(booking.start, booking.confirmed_at or created), Event(None, "Handed over to you"))
        )
    if booking.status == B.COMPLETED:
        returned = booking.reservation.released_at if booking.reservation_id else None
        steps.append((returned or booking.end, Event(returned, "Returned: thank you", "", "good")))
    ended = booking.hold_expires_at or booking.updated_at
    if booking.status == B.EXPIRED:
        what = "Request lapsed" if requested and not approved else "Hold expired"
        steps.append((ended, Event(ended, what, "Not confirmed in time", "bad")))
    if booking.status == B.DECLINED and booking.cancelled_at:
        why = booking.cancellation_reason
        steps.append(
            (booking.cancelled_at, Event(booking.cancelled_at, "Request declined", why, "bad"))
        )
    if booking.status in (B.CANCELLED, B.REFUNDED) and booking.cancelled_at:
        why = booking.cancellation_reason
        steps.append((booking.cancelled_at, Event(booking.cancelled_at, "Cancelled", why, "bad")))
    return [event for _, event in sorted(steps, key=lambda step: step[0])]


def _change_steps(booking: Booking, payments: list[Payment]) -> list[tuple[dt.datetime, Event]]:
    """Dates (or guests) changed, or a paid change that could not be made."""
    steps = []
    paid = {
        row.idempotency_key.split(":charge:")[0]
        for row in payments
        if row.kind == PaymentKind.CHARGE and row.status == PaymentStatus.SUCCEEDED
    }
    for change in booking.changes.filter(kind=BookingChangeKind.DATES).exclude(
        status=BookingChangeStatus.AWAITING_PAYMENT
    ):
        place = booking.location
        new = f"{local(change.new_start, place)} to {local(change.new_end, place)}"
        if change.status == BookingChangeStatus.APPLIED:
            at = change.applied_at or change.updated_at
            steps.append((at, Event(at, "Dates changed", f"Now {new}", "good")))
        elif f"booking:{booking.reference}:change:{change.pk}" in paid:
            at = change.updated_at
            why = f"{new}: {change.failure}; the difference is refunded"
            steps.append((at, Event(at, "Change not made", why, "bad")))
    return steps


@dataclass(frozen=True)
class MoneySummary:
    totals: LedgerTotals
    currency: str

    def _fmt(self, minor: int) -> str:
        return format_money(minor, self.currency)

    @property
    def rows(self) -> list[tuple[str, str]]:
        t = self.totals
        rows = [("Paid", self._fmt(t.paid))]
        if t.refunded or t.refund_pending:
            rows.append(("Refunded", self._fmt(t.refunded)))
        if t.refund_pending:
            rows.append(("Refund on its way", self._fmt(t.refund_pending)))
        if t.deposit_authorised:
            rows.append(("Deposit held now", self._fmt(t.deposit_held)))
        if t.deposit_captured:
            rows.append(("Deposit kept", self._fmt(t.deposit_captured)))
        if t.deposit_released:
            rows.append(("Deposit released", self._fmt(t.deposit_released)))
        if t.balance != t.paid:
            rows.append(("Net paid", self._fmt(t.balance)))
        return rows


def booking_story(booking: Booking) -> dict[str, Any]:
    """The context the detail and confirmation pages share."""
    payments = list(payments_of(booking))
    totals = ledger_totals(booking)
    return {
        "events": timeline(booking, payments),
        "money": MoneySummary(totals, booking.currency),
        "totals": totals,
    }
