"""Stripe end to end: bookings paid through the real ledger, events through the real webhook.

``payment_pay_booking`` charges through the ``stripe`` provider (pointed at the local
stand-in); the stand-in's signed events go to ``POST /api/v1/payments/stripe/webhook``, whose
``payment_sync`` re-reads the object and applies it to the ledger, the booking and the
outbox. Bookings are made relative to the real clock, because the webhook's services run at
the real "now".
"""

from __future__ import annotations

import itertools

import pytest
from django.test import Client
from django.utils import timezone

from midas.bookings.models import BookingStatus
from midas.payments.models import Payment, PaymentKind, PaymentStatus, WebhookEvent
from midas.payments.selectors import ledger_totals
from midas.payments.services import payment_pay_booking, payment_refund
from tests.concurrency import race
from tests.factories import make_booking, make_staff, templates_sent
from tests.payments.stripe_standin import deliver, running_standin

pytestmark = pytest.mark.django_db
RETURN_URL = "https://midas.example/bookings/return"


@pytest.fixture
def standin(settings):
    with running_standin(settings) as running:
        yield running


def event_of(standin, type_: str, object_id: str) -> dict:
    return next(e for e in standin.events_of(object_id) if e["type"] == type_)


def authenticated_booking(standin, booking=None):
    """A held booking whose 3-D Secure payment the customer has just completed at the bank;
    only the webhook can tell us."""
    booking = booking or make_booking(now=timezone.now())
    outcome = payment_pay_booking(
        booking=booking, payment_method="pm_card_authenticationRequired", return_url=RETURN_URL
    )
    assert outcome.status == "requires_action"
    assert outcome.action_url.startswith("https://hooks.stripe.com/")
    charge = outcome.payment
    standin.authenticate(charge.provider_ref)
    return outcome.booking, charge


def confirmed_emails(booking) -> int:
    return templates_sent(to=booking.customer.email).count("booking_confirmed")


def test_the_same_event_five_times_confirms_once_and_emails_once(standin, client):
    booking, charge = authenticated_booking(standin)
    event = event_of(standin, "payment_intent.succeeded", charge.provider_ref)

    answers = [deliver(client, event).json()["status"] for _ in range(5)]

    assert answers == ["processed"] + ["duplicate"] * 4
    booking.refresh_from_db()
    charge.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert charge.status == PaymentStatus.SUCCEEDED
    assert confirmed_emails(booking) == 1
    assert WebhookEvent.objects.count() == 1
    assert ledger_totals(booking).paid == booking.total_minor


@pytest.mark.django_db(transaction=True)
def test_the_same_event_ten_times_at_once_confirms_once_and_emails_once(standin):
    booking, charge = authenticated_booking(standin)
    event = event_of(standin, "payment_intent.succeeded", charge.provider_ref)
    threads = 10

    def attempt(_: int) -> str:
        response = deliver(Client(), event)
        return response.json().get("status") or f"{response.status_code} {response.content!r}"

    answers = race(threads, attempt)

    assert sorted(answers) == ["duplicate"] * (threads - 1) + ["processed"], answers
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert confirmed_emails(booking) == 1
    assert Payment.objects.get(pk=charge.pk).status == PaymentStatus.SUCCEEDED
    assert WebhookEvent.objects.count() == 1


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_a_decline_then_an_authenticated_payment_in_any_order(standin, client, order):
    held = make_booking(now=timezone.now())
    declined = payment_pay_booking(booking=held, payment_method="pm_card_chargeDeclined")
    assert declined.status == "declined"
    booking, charge = authenticated_booking(standin, held)
    events = [
        event_of(standin, "payment_intent.payment_failed", declined.payment.provider_ref),
        event_of(standin, "payment_intent.requires_action", charge.provider_ref),
        event_of(standin, "payment_intent.succeeded", charge.provider_ref),
    ]

    for index in order:
        assert deliver(client, events[index]).json() == {"status": "processed"}

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert confirmed_emails(booking) == 1
    assert Payment.objects.get(pk=declined.payment.pk).status == PaymentStatus.FAILED
    assert Payment.objects.get(pk=charge.pk).status == PaymentStatus.SUCCEEDED


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))), ids=str)
def test_a_deposit_captured_at_stripe_is_recorded_whatever_the_order(standin, client, order):
    booking = make_booking(now=timezone.now(), days_ahead=2)  # the deposit is due at once
    paid = payment_pay_booking(booking=booking, payment_method="pm_card_visa")
    assert paid.status == "succeeded"
    hold = Payment.objects.get(booking=booking, kind=PaymentKind.DEPOSIT_HOLD)
    assert (hold.status, hold.amount_minor) == (PaymentStatus.SUCCEEDED, 500_000)
    intent = standin.state.intents[hold.provider_ref]
    assert (intent["status"], intent["capture_method"]) == ("requires_capture", "manual")
    # staff capture part of it in Stripe's dashboard: only the webhook tells us
    standin.state.capture_intent({"amount_to_capture": "120000"}, hold.provider_ref)
    events = [
        event_of(standin, "payment_intent.succeeded", paid.payment.provider_ref),
        event_of(standin, "payment_intent.amount_capturable_updated", hold.provider_ref),
        event_of(standin, "payment_intent.succeeded", hold.provider_ref),
    ]

    for index in order:
        assert deliver(client, events[index]).json() == {"status": "processed"}

    totals = ledger_totals(booking)
    assert (totals.deposit_authorised, totals.deposit_captured) == (500_000, 120_000)
    assert totals.deposit_released == 380_000
    assert templates_sent(to=booking.customer.email).count("deposit_captured") == 1
    assert confirmed_emails(booking) == 1


def test_refund_events_after_a_staff_refund_change_nothing(standin, client):
    booking = make_booking(now=timezone.now())
    paid = payment_pay_booking(booking=booking, payment_method="pm_card_visa")
    refund = payment_refund(
        payment=paid.payment, amount_minor=10_000, by=make_staff(), reason="goodwill"
    )
    assert (refund.status, refund.provider_ref[:3]) == (PaymentStatus.SUCCEEDED, "re_")
    sent = templates_sent()

    for type_ in ("refund.created", "charge.refunded"):
        event = next(e for e in standin.events if e["type"] == type_)
        assert deliver(client, event).json() == {"status": "processed"}

    assert templates_sent() == sent
    assert ledger_totals(booking).refunded == 10_000
