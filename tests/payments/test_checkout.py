"""Paying for a held booking with the sandbox's test cards."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.models import BookingStatus, ReservationStatus
from midas.bookings.services import booking_cancel, booking_create, booking_expire_holds
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.providers.sandbox import SandboxProvider
from midas.payments.selectors import ledger_totals
from midas.payments.services import payment_complete_challenge, payment_pay_booking
from tests.factories import NOW, make_asset, make_booking, make_driver, templates_sent

pytestmark = pytest.mark.django_db

VISA, DECLINED, THREE_DS = "4242424242424242", "4000000000000002", "4000002500003155"


@pytest.mark.parametrize(
    "card", [VISA, "4242 4242 4242 4242", "pm_card_visa", "pm_card_mastercard"]
)
def test_a_good_card_confirms_the_booking(card):
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method=card, now=NOW)
    assert outcome.status == "succeeded"
    booking = outcome.booking
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.confirmed_at == NOW
    assert booking.hold_expires_at is None
    charge = Payment.objects.get(booking=booking)
    assert (charge.kind, charge.status, charge.amount_minor) == (
        PaymentKind.CHARGE,
        PaymentStatus.SUCCEEDED,
        booking.total_minor,
    )
    assert charge.provider == "sandbox" and charge.provider_ref.startswith("sbx_pi_")
    assert charge.idempotency_key == f"booking:{booking.reference}:charge:1"
    assert ledger_totals(booking).paid == booking.total_minor
    confirmed = OutboxMessage.objects.get(template="booking_confirmed")
    assert confirmed.to == booking.customer.email
    [ics] = confirmed.attachments
    assert ics["filename"] == f"{booking.reference}.ics"
    assert ics["mimetype"] == "text/calendar"


@pytest.mark.parametrize(
    ("card", "code"),
    [
        (DECLINED, "card_declined"),
        ("pm_card_chargeDeclined", "card_declined"),
        ("4000000000009995", "insufficient_funds"),
        ("4000000000000069", "expired_card"),
        ("4242424242424241", "incorrect_number"),  # fails the Luhn check
        ("4111111111111111", "test_mode_live_card"),  # valid, but not a test card
    ],
)
def test_a_declined_card_leaves_the_booking_held_and_says_why(card, code):
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method=card, now=NOW)
    assert outcome.status == "declined"
    assert outcome.message
    assert outcome.booking.status == BookingStatus.HELD
    row = Payment.objects.get(booking=booking)
    assert (row.status, row.failure_code) == (PaymentStatus.FAILED, code)
    assert templates_sent(to=booking.customer.email) == ["booking_held", "payment_failed"]
    assert ledger_totals(booking).paid == 0


def test_after_a_decline_another_card_may_pay():
    booking = make_booking()
    payment_pay_booking(booking=booking, payment_method=DECLINED, now=NOW)
    outcome = payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert outcome.status == "succeeded"
    keys = list(Payment.objects.filter(booking=booking).values_list("idempotency_key", "status"))
    assert keys == [
        (f"booking:{booking.reference}:charge:1", PaymentStatus.FAILED),
        (f"booking:{booking.reference}:charge:2", PaymentStatus.SUCCEEDED),
    ]


def test_declined_then_the_hold_expires_and_the_slot_is_free_again():
    asset = make_asset()
    booking = make_booking(asset=asset)
    payment_pay_booking(booking=booking, payment_method=DECLINED, now=NOW)
    booking.refresh_from_db()
    assert booking.reservation.status == ReservationStatus.ACTIVE
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=14)) == 0
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=15)) == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert booking.reservation.status == ReservationStatus.RELEASED
    make_booking(asset=asset)  # the same dates can be booked again


def test_three_d_secure_approved_confirms():
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method=THREE_DS, now=NOW)
    assert outcome.status == "requires_action"
    assert (
        outcome.action_url == f"/bookings/{booking.reference}/pay/challenge/{outcome.payment.pk}/"
    )
    assert outcome.booking.status == BookingStatus.HELD
    assert outcome.payment.status == PaymentStatus.REQUIRES_ACTION
    done = payment_complete_challenge(payment=outcome.payment, approve=True, now=NOW)
    assert done.status == "succeeded"
    assert done.booking.status == BookingStatus.CONFIRMED
    again = payment_complete_challenge(payment=outcome.payment, approve=False, now=NOW)
    assert again.status == "succeeded"  # asked again: the current outcome, nothing changes
    assert OutboxMessage.objects.filter(template="booking_confirmed").count() == 1


def test_three_d_secure_denied_is_a_decline():
    booking = make_booking()
    outcome = payment_pay_booking(
        booking=booking, payment_method="pm_card_authenticationRequired", now=NOW
    )
    denied = payment_complete_challenge(payment=outcome.payment, approve=False, now=NOW)
    assert denied.status == "declined"
    assert denied.payment.failure_code == "payment_intent_authentication_failure"
    assert denied.booking.status == BookingStatus.HELD
    assert "payment_failed" in templates_sent()


def test_an_unfinished_challenge_is_abandoned_when_the_customer_pays_again():
    booking = make_booking()
    first = payment_pay_booking(booking=booking, payment_method=THREE_DS, now=NOW)
    second = payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert second.status == "succeeded"
    first.payment.refresh_from_db()
    assert (first.payment.status, first.payment.failure_code) == (
        PaymentStatus.CANCELED,
        "abandoned",
    )
    assert SandboxProvider().object(first.payment.provider_ref)["status"] == "canceled"
    late = payment_complete_challenge(payment=first.payment, approve=True, now=NOW)
    assert late.status == "declined"  # nothing more is charged


def test_a_hold_with_a_challenge_open_gets_a_grace_period():
    booking = make_booking()
    payment_pay_booking(
        booking=booking, payment_method=THREE_DS, now=NOW + dt.timedelta(minutes=14)
    )
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=20)) == 0
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=25)) == 1


def test_a_payment_landing_after_expiry_is_refunded_automatically():
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method=THREE_DS, now=NOW)
    booking_expire_holds(now=NOW + dt.timedelta(hours=1))
    # the customer approves in their bank app anyway; the provider tells us (webhook/sync)
    SandboxProvider().complete_challenge(outcome.payment.provider_ref, approve=True)
    from midas.payments.services import payment_sync

    payment_sync(provider="sandbox", provider_ref=outcome.payment.provider_ref)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    totals = ledger_totals(booking)
    assert (totals.paid, totals.refunded) == (booking.total_minor, booking.total_minor)
    assert "staff_payment_problem" in templates_sent()


@pytest.mark.parametrize("status", ["confirmed", "expired", "cancelled"])
def test_only_a_held_booking_can_be_paid(status):
    booking = make_booking()
    if status == "confirmed":
        payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    elif status == "expired":
        booking_expire_holds(now=NOW + dt.timedelta(hours=1))
    else:
        booking_cancel(booking=booking, by=booking.customer, now=NOW)
    with pytest.raises(AppError) as err:
        payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert err.value.code == ErrorCode.INVALID_STATE
    assert Payment.objects.filter(booking=booking, status=PaymentStatus.SUCCEEDED).count() == (
        1 if status == "confirmed" else 0
    )


def test_a_hold_past_its_time_is_not_charged_even_before_the_job_runs():
    booking = make_booking()
    with pytest.raises(AppError) as err:
        payment_pay_booking(
            booking=booking, payment_method=VISA, now=NOW + dt.timedelta(minutes=16)
        )
    assert err.value.code == ErrorCode.INVALID_STATE
    assert not Payment.objects.exists()


def test_a_requested_booking_is_paid_after_approval():
    from midas.bookings.services import booking_approve
    from tests.factories import make_staff

    booking = make_booking(asset=make_asset("jets", booking_mode="request"))
    with pytest.raises(AppError):
        payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    booking_approve(booking=booking, by=make_staff(), now=NOW)
    outcome = payment_pay_booking(
        booking=booking, payment_method=VISA, now=NOW + dt.timedelta(hours=5)
    )
    assert outcome.booking.status == BookingStatus.CONFIRMED


def test_an_unreachable_provider_keeps_the_row_pending_and_raises(monkeypatch):
    booking = make_booking()

    def down(self, request):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(SandboxProvider, "charge", down)
    with pytest.raises(AppError) as err:
        payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert err.value.code == ErrorCode.PAYMENT_PROVIDER_ERROR
    assert err.value.status == 502
    row = Payment.objects.get(booking=booking)
    assert row.status == PaymentStatus.PENDING
    with pytest.raises(AppError) as busy:  # a retry right away is refused, not doubled
        payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert busy.value.code == ErrorCode.INVALID_STATE


def test_customer_email_is_used_and_the_price_is_the_servers():
    customer = make_driver()
    booking = booking_create(
        customer=customer,
        asset=make_asset(base_rate_minor=123_400),
        start=NOW + dt.timedelta(days=10),
        end=NOW + dt.timedelta(days=11),
        now=NOW,
    )
    outcome = payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    intent = SandboxProvider().object(outcome.payment.provider_ref)
    assert intent["amount"] == booking.total_minor
    assert intent["reference"] == booking.reference


def test_a_challenge_completed_after_the_hold_lapsed_charges_nothing():
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method=THREE_DS, now=NOW)
    booking_expire_holds(now=NOW + dt.timedelta(hours=1))
    late = payment_complete_challenge(payment=outcome.payment, approve=True, now=NOW)
    assert late.status == "declined"
    assert late.message == "This booking is no longer held, so nothing was charged."
    assert late.payment.status == PaymentStatus.CANCELED
    assert SandboxProvider().object(outcome.payment.provider_ref)["status"] == "canceled"
    assert "payment_failed" not in templates_sent()


def test_a_payment_racing_the_expiry_job_is_reported_refunded(monkeypatch):
    from midas.payments.services import checkout

    booking = make_booking()
    real_call = checkout.payment_call

    def expire_first(**kwargs):
        booking_expire_holds(now=NOW + dt.timedelta(hours=1))  # the job wins the race
        return real_call(**kwargs)

    monkeypatch.setattr(checkout, "payment_call", expire_first)
    outcome = payment_pay_booking(booking=booking, payment_method=VISA, now=NOW)
    assert outcome.status == "refunded"
    assert outcome.booking.status == BookingStatus.EXPIRED
    totals = ledger_totals(booking)
    assert totals.paid == totals.refunded == booking.total_minor


def test_stripe_without_a_method_is_allowed_for_the_payment_element(settings, monkeypatch):
    from midas.payments.interface import ProviderResult
    from midas.payments.providers.stripe import StripeProvider

    settings.PAYMENT_PROVIDER = "stripe"
    seen = {}

    def charge(self, request):
        seen["request"] = request
        return ProviderResult("pi_123", "pending", request.amount_minor, "USD")

    monkeypatch.setattr(StripeProvider, "charge", charge)
    booking = make_booking()
    outcome = payment_pay_booking(booking=booking, payment_method="", now=NOW)
    assert outcome.status == "processing"
    assert outcome.payment.provider_ref == "pi_123"
    assert seen["request"].save_payment_method is True
    assert seen["request"].return_url == f"https://midas.example/bookings/{booking.reference}/"
