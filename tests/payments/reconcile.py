"""Check a booking's ledger against the sandbox's own objects, and its invariants."""

from __future__ import annotations

from midas.bookings.models import Booking
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import ledger_totals


def assert_reconciles(booking: Booking) -> None:
    sandbox = SandboxProvider()
    totals = ledger_totals(booking)
    paid = refunded = authorised = captured = released = held = 0
    rows = Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED)
    for row in rows.filter(kind=PaymentKind.CHARGE):
        intent = sandbox.object(row.provider_ref)
        assert intent["status"] == "succeeded", (row, intent)
        paid += intent["amount_received"]
        refunded += intent["amount_refunded"]
    for row in rows.filter(kind=PaymentKind.DEPOSIT_HOLD):
        intent = sandbox.object(row.provider_ref)
        authorised += intent["amount"]
        if intent["status"] == "succeeded":
            captured += intent["amount_received"]
            released += intent["amount"] - intent["amount_received"]
        elif intent["status"] == "canceled":
            released += intent["amount"]
        else:
            assert intent["status"] == "requires_capture", intent
            held += intent["amount_capturable"]
    assert (totals.paid, totals.refunded) == (paid, refunded)
    assert (totals.deposit_authorised, totals.deposit_captured, totals.deposit_released) == (
        authorised,
        captured,
        released,
    )
    assert totals.deposit_held == held >= 0
    assert 0 <= totals.refunded <= totals.paid
    assert totals.balance == totals.paid - totals.refunded + totals.deposit_captured
    # no row is left half-done once the calls have returned
    assert not Payment.objects.filter(booking=booking, status=PaymentStatus.PENDING).exists()
