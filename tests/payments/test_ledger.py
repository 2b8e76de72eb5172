"""The ledger: payment_sync is idempotent and order-free, totals always reconcile."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading

import pytest
from django.db import connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from midas.bookings.models import Booking, BookingStatus
from midas.bookings.services import (
    booking_cancel,
    booking_expire_holds,
    booking_mark_picked_up,
    booking_mark_returned,
)
from midas.errors import AppError
from midas.notifications.models import OutboxMessage
from midas.payments.interface import ProviderResult
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import active_hold, ledger_totals, succeeded_charges
from midas.payments.services import (
    deposit_capture,
    deposit_release,
    payment_apply,
    payment_complete_challenge,
    payment_pay_booking,
    payment_refund,
    payment_sync,
)
from tests.factories import NOW, make_booking, make_staff
from tests.payments.reconcile import assert_reconciles


def challenged_booking() -> tuple[Booking, Payment]:
    """A booking starting in two days (its deposit due at payment), its charge waiting for
    authentication. In real time: payment_sync, like a webhook, reads the clock."""
    now = timezone.now()
    booking = make_booking(days_ahead=2, now=now)
    outcome = payment_pay_booking(booking=booking, payment_method="4000002500003155", now=now)
    return booking, outcome.payment


@pytest.mark.django_db
def test_sync_of_an_unknown_object_is_none():
    assert payment_sync(provider="sandbox", provider_ref="sbx_pi_unknown") is None
    assert payment_sync(provider="sandbox", provider_ref="") is None


@pytest.mark.django_db
def test_sync_applies_the_providers_truth_once():
    booking, charge = challenged_booking()
    SandboxProvider().complete_challenge(charge.provider_ref, approve=True)  # the bank app
    for _ in range(5):
        row = payment_sync(provider="sandbox", provider_ref=charge.provider_ref)
        assert row.status == PaymentStatus.SUCCEEDED
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert OutboxMessage.objects.filter(template="booking_confirmed").count() == 1
    assert Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD).count() == 1
    assert_reconciles(booking)


@pytest.mark.django_db
def test_an_older_answer_after_a_newer_one_changes_nothing():
    booking, charge = challenged_booking()
    newer = payment_complete_challenge(payment=charge, approve=True)
    assert newer.status == "succeeded"
    stale = ProviderResult(charge.provider_ref, "requires_action", charge.amount_minor, "USD")
    payment_apply(payment=charge, result=stale)
    failed = ProviderResult(charge.provider_ref, "failed", charge.amount_minor, "USD")
    payment_apply(payment=charge, result=failed)
    charge.refresh_from_db()
    booking.refresh_from_db()
    assert (charge.status, booking.status) == (PaymentStatus.SUCCEEDED, BookingStatus.CONFIRMED)
    assert not OutboxMessage.objects.filter(template="payment_failed").exists()


@pytest.mark.django_db
def test_a_capture_made_on_the_providers_side_is_recorded_from_the_hold():
    booking, charge = challenged_booking()
    payment_complete_challenge(payment=charge, approve=True)
    hold = active_hold(booking)
    SandboxProvider().capture(hold.provider_ref, 100_000, "dashboard-capture")
    payment_sync(provider="sandbox", provider_ref=hold.provider_ref)
    payment_sync(provider="sandbox", provider_ref=hold.provider_ref)
    totals = ledger_totals(booking)
    assert (totals.deposit_captured, totals.deposit_released, totals.deposit_held) == (
        100_000,
        booking.security_deposit_minor - 100_000,
        0,
    )
    assert_reconciles(booking)


@pytest.mark.django_db
def test_a_release_made_on_the_providers_side_is_recorded_from_the_hold():
    booking, charge = challenged_booking()
    payment_complete_challenge(payment=charge, approve=True)
    hold = active_hold(booking)
    SandboxProvider().cancel(hold.provider_ref, "dashboard-release")
    payment_sync(provider="sandbox", provider_ref=hold.provider_ref)
    assert ledger_totals(booking).deposit_released == booking.security_deposit_minor
    assert_reconciles(booking)


@pytest.mark.django_db
def test_refunds_are_bounded_by_what_is_left():
    booking, charge = challenged_booking()
    payment_complete_challenge(payment=charge, approve=True)
    staff = make_staff()
    charge.refresh_from_db()
    payment_refund(payment=charge, amount_minor=1_000, by=staff, reason="goodwill")
    with pytest.raises(AppError):
        payment_refund(payment=charge, amount_minor=charge.amount_minor, by=staff)
    with pytest.raises(AppError):
        payment_refund(payment=charge, amount_minor=1, by=booking.customer)
    assert ledger_totals(booking).refunded == 1_000
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED  # a goodwill refund is not a cancel
    assert_reconciles(booking)


@pytest.mark.django_db(transaction=True)
def test_ten_concurrent_syncs_confirm_once():
    booking, charge = challenged_booking()
    SandboxProvider().complete_challenge(charge.provider_ref, approve=True)
    barrier = threading.Barrier(10)
    errors: list[str] = []

    def sync() -> None:
        try:
            barrier.wait()
            payment_sync(provider="sandbox", provider_ref=charge.provider_ref)
        except AppError as exc:  # a lock timeout is a retry, never a wrong state
            errors.append(exc.code)
        except Exception as exc:
            errors.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sync) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(errors) <= {"lock_timeout"}, errors
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert OutboxMessage.objects.filter(template="booking_confirmed").count() == 1
    assert succeeded_charges(booking).count() == 1
    assert Payment.objects.filter(kind=PaymentKind.DEPOSIT_HOLD).count() == 1
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 0


# --- Every sequence of operations keeps the ledger reconciled ------------------------------


class LedgerMachine(RuleBasedStateMachine):
    """Random journeys of one booking (pay with any card, authenticate or not, cancel at
    any time, pick up, return, capture, release, refund, expire, sync): after every step
    the ledger matches the provider's objects and its own invariants."""

    @initialize(deposit_soon=st.booleans())
    def start(self, deposit_soon: bool) -> None:
        self.staff = make_staff()
        self.booking = make_booking(days_ahead=2 if deposit_soon else 20)
        self.now = NOW

    def refresh(self) -> Booking:
        self.booking.refresh_from_db()
        return self.booking

    def status(self) -> str:
        return self.refresh().status

    @precondition(lambda self: self.status() == BookingStatus.HELD)
    @rule(
        card=st.sampled_from(
            [
                "4242424242424242",
                "pm_card_visa",
                "pm_card_mastercard",
                "pm_card_chargeDeclined",
                "4000002500003155",
                "4000000000009995",
            ]
        )
    )
    def pay(self, card: str) -> None:
        try:
            payment_pay_booking(booking=self.booking, payment_method=card, now=self.now)
        except AppError:
            assert self.status() != BookingStatus.HELD or self.in_flight()

    def in_flight(self) -> bool:
        return Payment.objects.filter(booking=self.booking, status=PaymentStatus.PENDING).exists()

    @rule(approve=st.booleans())
    def authenticate(self, approve: bool) -> None:
        waiting = Payment.objects.filter(booking=self.booking, status=PaymentStatus.REQUIRES_ACTION)
        for row in waiting:
            payment_complete_challenge(payment=row, approve=approve, now=self.now)

    @precondition(lambda self: self.status() in (BookingStatus.HELD, BookingStatus.CONFIRMED))
    @rule(hours_before=st.sampled_from([200, 72, 30, 2]), full=st.booleans())
    def cancel(self, hours_before: int, full: bool) -> None:
        when = self.refresh().start - dt.timedelta(hours=hours_before)
        try:
            booking_cancel(booking=self.booking, by=self.staff, now=when, full_refund=full)
        except AppError:
            assert self.status() not in (BookingStatus.HELD, BookingStatus.CONFIRMED)

    @precondition(lambda self: self.status() == BookingStatus.CONFIRMED)
    @rule()
    def pick_up(self) -> None:
        booking_mark_picked_up(booking=self.booking, by=self.staff, now=self.now)

    @precondition(lambda self: self.status() == BookingStatus.IN_PROGRESS)
    @rule()
    def give_back(self) -> None:
        booking_mark_returned(booking=self.booking, by=self.staff, now=self.now)

    @rule(share=st.integers(min_value=1, max_value=100))
    def capture(self, share: int) -> None:
        hold = active_hold(self.booking)
        if hold is None:
            return
        amount = max(1, hold.amount_minor * share // 100)
        deposit_capture(booking=self.booking, amount_minor=amount, by=self.staff, reason="dmg")

    @rule()
    def release(self) -> None:
        if active_hold(self.booking) is not None:
            deposit_release(booking=self.booking, by=self.staff, now=self.now)

    @rule(share=st.integers(min_value=1, max_value=100))
    def refund(self, share: int) -> None:
        for charge in succeeded_charges(self.booking):
            amount = max(1, charge.amount_minor * share // 100)
            # more than is left is refused, and nothing moves
            with contextlib.suppress(AppError):
                payment_refund(payment=charge, amount_minor=amount, by=self.staff)

    @precondition(lambda self: self.status() == BookingStatus.HELD)
    @rule()
    def expire(self) -> None:
        booking_expire_holds(now=self.now + dt.timedelta(hours=30))

    @rule()
    def sync_everything(self) -> None:
        for ref in (
            Payment.objects.filter(booking=self.booking)
            .exclude(provider_ref="")
            .values_list("provider_ref", flat=True)
            .distinct()
        ):
            payment_sync(provider="sandbox", provider_ref=ref)

    @invariant()
    def reconciles(self) -> None:
        if hasattr(self, "booking"):
            assert_reconciles(self.booking)
            paid = succeeded_charges(self.booking).count()
            totals = ledger_totals(self.booking)
            assert totals.paid - totals.refunded <= self.booking.total_minor or paid > 1


@pytest.mark.django_db
def test_the_ledger_reconciles_after_every_operation():
    LedgerMachine.TestCase.settings = settings(
        max_examples=40,
        stateful_step_count=12,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    LedgerMachine.TestCase().runTest()


@pytest.mark.django_db
def test_sync_finds_an_interrupted_charge_by_its_id(monkeypatch):
    now = timezone.now()
    booking = make_booking(days_ahead=10, now=now)
    real_charge = SandboxProvider.charge
    made = {}

    def dies_after_the_call(self, request):
        made["result"] = real_charge(self, request)
        raise ConnectionError("process killed")

    monkeypatch.setattr(SandboxProvider, "charge", dies_after_the_call)
    with pytest.raises(AppError):
        payment_pay_booking(booking=booking, payment_method="pm_card_visa", now=now)
    row = Payment.objects.get(booking=booking)
    assert (row.status, row.provider_ref) == (PaymentStatus.PENDING, "")
    ref = made["result"].provider_ref
    assert payment_sync(provider="sandbox", provider_ref=ref) is None  # unknown by ref
    assert payment_sync(provider="sandbox", provider_ref=ref, payment_id=row.pk + 99) is None
    synced = payment_sync(provider="sandbox", provider_ref=ref, payment_id=row.pk)
    assert (synced.status, synced.provider_ref) == (PaymentStatus.SUCCEEDED, ref)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
