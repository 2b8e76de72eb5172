"""booking_cancel: the refund per policy, the deposit released, the slot freed, the emails."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.bookings.models import BookingStatus, ReservationStatus
from midas.bookings.services import booking_cancel
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import ledger_totals
from midas.payments.services import payments_settle_pending
from tests.factories import NOW, make_booking, make_paid_booking, make_staff

pytestmark = pytest.mark.django_db

H = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def test_cancelling_an_unpaid_hold_frees_the_slot_and_tells_everyone():
    booking = make_booking()
    cancelled = booking_cancel(booking=booking, by=booking.customer, reason="oops", now=NOW)
    assert cancelled.status == BookingStatus.CANCELLED
    assert (cancelled.cancelled_at, cancelled.refund_minor) == (NOW, 0)
    assert cancelled.reservation.status == ReservationStatus.RELEASED
    templates = set(OutboxMessage.objects.values_list("template", flat=True))
    assert {"booking_cancelled", "staff_booking_cancelled"} <= templates
    assert not Payment.objects.exists()


def test_full_refund_far_ahead_becomes_refunded():
    booking = make_paid_booking(days_ahead=10)
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=NOW)
    assert cancelled.status == BookingStatus.REFUNDED
    assert cancelled.refund_minor == booking.total_minor
    totals = ledger_totals(cancelled)
    assert (totals.paid, totals.refunded, totals.balance) == (
        booking.total_minor,
        booking.total_minor,
        0,
    )
    refund = Payment.objects.get(kind=PaymentKind.REFUND)
    assert refund.provider_ref.startswith("sbx_re_")
    assert SandboxProvider().object(refund.parent.provider_ref)["amount_refunded"] == (
        booking.total_minor
    )


def test_half_refund_between_one_and_three_days():
    booking = make_paid_booking(days_ahead=10)
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=booking.start - 30 * H)
    assert cancelled.status == BookingStatus.REFUNDED
    assert ledger_totals(cancelled).refunded == (booking.total_minor + 1) // 2


def test_no_refund_inside_a_day_stays_cancelled():
    booking = make_paid_booking(days_ahead=10)
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=booking.start - 2 * H)
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.refund_minor == 0
    assert not Payment.objects.filter(kind=PaymentKind.REFUND).exists()


def test_staff_may_refund_in_full_at_any_time_customers_may_not():
    booking = make_paid_booking(days_ahead=10)
    with pytest.raises(AppError) as err:
        booking_cancel(
            booking=booking, by=booking.customer, now=booking.start - H, full_refund=True
        )
    assert err.value.code == ErrorCode.FORBIDDEN
    cancelled = booking_cancel(
        booking=booking, by=make_staff(), now=booking.start - H, full_refund=True
    )
    assert cancelled.status == BookingStatus.REFUNDED
    assert ledger_totals(cancelled).refunded == booking.total_minor


def test_another_customer_cannot_cancel():
    booking = make_booking()
    stranger = make_booking().customer
    with pytest.raises(AppError) as err:
        booking_cancel(booking=booking, by=stranger, now=NOW)
    assert err.value.code == ErrorCode.NOT_FOUND


def test_the_deposit_hold_is_released_on_cancellation():
    booking = make_paid_booking(days_ahead=3)  # inside the hold lead: the deposit is held
    assert ledger_totals(booking).deposit_held == booking.security_deposit_minor
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=NOW)
    totals = ledger_totals(cancelled)
    assert totals.deposit_held == 0
    assert totals.deposit_released == booking.security_deposit_minor
    hold = Payment.objects.get(kind=PaymentKind.DEPOSIT_HOLD)
    assert SandboxProvider().object(hold.provider_ref)["status"] == "canceled"


def test_a_refund_the_provider_could_not_take_is_retried_by_the_job(monkeypatch):
    booking = make_paid_booking(days_ahead=10)
    original = SandboxProvider.refund

    def down(self, *args, **kwargs):
        raise ConnectionError("provider down")

    monkeypatch.setattr(SandboxProvider, "refund", down)
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=NOW)
    assert cancelled.status == BookingStatus.CANCELLED  # cancelled: the money is owed
    refund = Payment.objects.get(kind=PaymentKind.REFUND)
    assert refund.status == PaymentStatus.PENDING
    monkeypatch.setattr(SandboxProvider, "refund", original)
    # rows age in real time (created_at): make it look stuck for a while
    Payment.objects.filter(pk=refund.pk).update(created_at=timezone.now() - 10 * MINUTE)
    payments_settle_pending(now=NOW)
    cancelled.refresh_from_db()
    assert cancelled.status == BookingStatus.REFUNDED
    assert ledger_totals(cancelled).refunded == booking.total_minor
    # run again: nothing moves twice
    payments_settle_pending(now=NOW)
    assert Payment.objects.filter(kind=PaymentKind.REFUND).count() == 1
    assert SandboxProvider().object(refund.parent.provider_ref)["amount_refunded"] == (
        booking.total_minor
    )


def test_a_requested_booking_can_be_withdrawn():
    from tests.factories import make_asset

    booking = make_booking(asset=make_asset("villas", booking_mode="request"))
    cancelled = booking_cancel(booking=booking, by=booking.customer, now=NOW)
    assert cancelled.status == BookingStatus.CANCELLED


def test_a_failure_inside_the_cancellation_rolls_everything_back(monkeypatch):
    booking = make_paid_booking(days_ahead=3)
    emails = OutboxMessage.objects.count()

    def broken(**kwargs):
        raise RuntimeError("staff mailbox exploded")

    monkeypatch.setattr("midas.bookings.services.notices.staff_notify", broken)
    with pytest.raises(RuntimeError):
        booking_cancel(booking=booking, by=booking.customer, now=NOW)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.reservation.status == ReservationStatus.ACTIVE
    assert not Payment.objects.filter(
        kind__in=(PaymentKind.REFUND, PaymentKind.DEPOSIT_RELEASE)
    ).exists()
    assert OutboxMessage.objects.count() == emails
    assert ledger_totals(booking).deposit_held == booking.security_deposit_minor
