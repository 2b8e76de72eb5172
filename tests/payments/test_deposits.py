"""The security deposit: held when due, captured in part or in full, released."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.bookings.services import booking_mark_picked_up, booking_mark_returned
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import ledger_totals
from midas.payments.services import (
    deposit_capture,
    deposit_hold,
    deposit_release,
    deposits_release_due,
    payment_complete_challenge,
    payment_pay_booking,
    payments_settle_pending,
)
from tests.factories import NOW, make_booking, make_paid_booking, make_staff
from tests.payments.reconcile import assert_reconciles

pytestmark = pytest.mark.django_db

DEPOSIT = 500_000


def test_paying_a_booking_that_starts_soon_holds_the_deposit_off_session():
    booking = make_paid_booking(days_ahead=3)
    hold = Payment.objects.get(kind=PaymentKind.DEPOSIT_HOLD)
    assert (hold.status, hold.amount_minor) == (PaymentStatus.SUCCEEDED, DEPOSIT)
    assert hold.idempotency_key == f"booking:{booking.reference}:deposit:1"
    intent = SandboxProvider().object(hold.provider_ref)
    assert (intent["status"], intent["capture_method"]) == ("requires_capture", "manual")
    assert ledger_totals(booking).deposit_held == DEPOSIT
    assert_reconciles(booking)


def test_a_booking_far_ahead_is_held_later_by_the_job():
    booking = make_paid_booking(days_ahead=30)
    assert not Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD).exists()
    assert deposit_hold(booking=booking, now=NOW) is None  # not due yet
    hold = deposit_hold(booking=booking, now=booking.start - dt.timedelta(days=4))
    assert hold is not None and hold.status == PaymentStatus.SUCCEEDED
    assert deposit_hold(booking=booking, now=booking.start) is None  # once
    assert Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD).count() == 1


def test_the_settle_job_places_due_holds():
    booking = make_paid_booking(days_ahead=30)
    payments_settle_pending(now=booking.start - dt.timedelta(days=2))
    assert ledger_totals(booking).deposit_held == DEPOSIT


def test_the_hold_uses_the_card_that_passed_authentication():
    booking = make_booking(days_ahead=2)
    outcome = payment_pay_booking(booking=booking, payment_method="4000002500003155", now=NOW)
    payment_complete_challenge(payment=outcome.payment, approve=True, now=NOW)
    assert ledger_totals(booking).deposit_held == DEPOSIT  # off-session: no second challenge


def test_no_deposit_no_hold():
    from tests.factories import make_asset

    booking = make_paid_booking(asset=make_asset(security_deposit_minor=0), days_ahead=2)
    assert not Payment.objects.filter(booking=booking, kind=PaymentKind.DEPOSIT_HOLD).exists()


def in_progress(**kwargs):
    booking = make_paid_booking(days_ahead=2, **kwargs)
    return booking_mark_picked_up(booking=booking, by=make_staff(), now=NOW)


def test_partial_capture_releases_the_rest():
    booking = in_progress()
    staff = make_staff()
    capture = deposit_capture(
        booking=booking, amount_minor=120_000, by=staff, reason="Kerbed wheel", now=NOW
    )
    assert (capture.status, capture.amount_minor) == (PaymentStatus.SUCCEEDED, 120_000)
    totals = ledger_totals(booking)
    assert (totals.deposit_held, totals.deposit_captured, totals.deposit_released) == (
        0,
        120_000,
        DEPOSIT - 120_000,
    )
    assert totals.balance == booking.total_minor + 120_000
    email = OutboxMessage.objects.get(template="deposit_captured")
    assert email.to == booking.customer.email
    assert_reconciles(booking)
    with pytest.raises(AppError) as err:  # nothing is held any more
        deposit_release(booking=booking, by=staff, now=NOW)
    assert err.value.code == ErrorCode.INVALID_STATE


def test_full_capture():
    booking = in_progress()
    deposit_capture(booking=booking, amount_minor=DEPOSIT, by=make_staff(), reason="Written off")
    totals = ledger_totals(booking)
    assert (totals.deposit_captured, totals.deposit_released, totals.deposit_held) == (
        DEPOSIT,
        0,
        0,
    )
    assert_reconciles(booking)


@pytest.mark.parametrize("amount", [0, -1, DEPOSIT + 1])
def test_capture_bounds(amount):
    booking = in_progress()
    with pytest.raises(AppError) as err:
        deposit_capture(booking=booking, amount_minor=amount, by=make_staff(), reason="x")
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert ledger_totals(booking).deposit_held == DEPOSIT


def test_capture_needs_staff_and_a_reason():
    booking = in_progress()
    with pytest.raises(AppError) as err:
        deposit_capture(booking=booking, amount_minor=1, by=booking.customer, reason="x")
    assert err.value.code == ErrorCode.FORBIDDEN
    with pytest.raises(AppError) as err:
        deposit_capture(booking=booking, amount_minor=1, by=make_staff(), reason=" ")
    assert err.value.code == ErrorCode.INVALID_INPUT


def test_release_by_staff():
    booking = in_progress()
    row = deposit_release(booking=booking, by=make_staff(), now=NOW)
    assert (row.kind, row.status, row.amount_minor) == (
        PaymentKind.DEPOSIT_RELEASE,
        PaymentStatus.SUCCEEDED,
        DEPOSIT,
    )
    assert OutboxMessage.objects.filter(template="deposit_released").count() == 1
    assert_reconciles(booking)


def test_the_job_releases_two_days_after_the_return():
    booking = in_progress()
    returned = timezone.now() - dt.timedelta(days=1)
    booking_mark_returned(booking=booking, by=make_staff(), now=returned)
    assert deposits_release_due(now=returned + dt.timedelta(days=2) - dt.timedelta(seconds=1)) == 0
    assert ledger_totals(booking).deposit_held == DEPOSIT
    assert deposits_release_due(now=returned + dt.timedelta(days=2)) == 1
    assert deposits_release_due(now=returned + dt.timedelta(days=3)) == 0
    assert ledger_totals(booking).deposit_released == DEPOSIT


def test_a_capture_the_provider_refuses_fails_the_row_and_tells_staff(monkeypatch):
    booking = in_progress()
    hold = Payment.objects.get(kind=PaymentKind.DEPOSIT_HOLD)
    SandboxProvider().cancel(hold.provider_ref, "released-behind-our-back")
    row = deposit_capture(booking=booking, amount_minor=1_000, by=make_staff(), reason="x")
    assert (row.status, row.failure_code) == (PaymentStatus.FAILED, "refused")
    assert OutboxMessage.objects.filter(template="staff_payment_problem").exists()


def test_a_hold_refused_is_retried_at_most_three_times(monkeypatch):
    booking = make_paid_booking(days_ahead=30)

    def declined(self, request):
        from midas.payments.interface import ProviderResult

        return ProviderResult(
            "sbx_pi_x", "failed", request.amount_minor, "USD", failure_code="card_declined"
        )

    monkeypatch.setattr(SandboxProvider, "charge", declined)
    due = booking.start - dt.timedelta(days=1)
    for _ in range(5):
        deposit_hold(booking=booking, now=due)
    holds = Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD)
    assert holds.count() == 3
    assert set(holds.values_list("status", flat=True)) == {PaymentStatus.FAILED}
    assert OutboxMessage.objects.filter(template="staff_payment_problem").count() == 3
