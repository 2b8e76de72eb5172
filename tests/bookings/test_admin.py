"""The back office of bookings: each action runs the same service as the pages and the API,
asks for a reason, an amount or the kind of refund first when it needs one, and reports a
refusal per booking; the payment ledger is read-only."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from midas.bookings.models import Booking, BookingStatus, ReservationStatus
from midas.bookings.policies import cancellation_preview
from midas.bookings.services import booking_mark_picked_up
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from midas.payments.selectors import ledger_totals
from midas.payments.services import payment_pay_booking
from tests.factories import make_asset, make_booking, make_driver

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:bookings_booking_changelist"
VISA = "4242424242424242"


def now():
    return timezone.now()


def held(**kwargs) -> Booking:
    return make_booking(now=now(), **kwargs)


def paid(days_ahead: float = 20, **kwargs) -> Booking:
    booking = held(days_ahead=days_ahead, **kwargs)
    outcome = payment_pay_booking(booking=booking, payment_method=VISA, now=now())
    assert outcome.status == "succeeded"
    return outcome.booking


def act(client, action: str, *bookings: Booking, **data: str):
    post = {"action": action, "_selected_action": [b.pk for b in bookings], **data}
    return client.post(reverse(CHANGELIST), post)


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_list_and_a_booking_page_show_the_ledger_and_the_actions(admin_client):
    booking = paid(days_ahead=2)  # starts soon: the deposit is held at once
    listing = admin_client.get(reverse(CHANGELIST))
    assert listing.status_code == 200
    assert booking.reference in listing.content.decode()
    page = admin_client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Rental charge" in html and "Deposit hold" in html  # the ledger inline
    for label in ("Mark picked up", "Cancel with refund", "Capture deposit", "Release deposit"):
        assert f">{label}</button>" in html
    assert "Approve request" not in html
    assert "paid USD" in html  # ledger totals


def test_staff_approve_a_request(admin_client, admin_user):
    jet = make_asset("jets", booking_mode="request")
    booking = held(asset=jet)
    assert booking.status == BookingStatus.REQUESTED
    response = act(admin_client, "approve_requests", booking)
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD
    assert OutboxMessage.objects.filter(template="request_approved").exists()


def test_decline_asks_for_the_reason_first(admin_client):
    booking = held(asset=make_asset("jets", booking_mode="request"))
    asked = act(admin_client, "decline_requests", booking)
    assert asked.status_code == 200
    assert (
        "Decline requests" in asked.content.decode() and booking.reference in asked.content.decode()
    )
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REQUESTED
    act(admin_client, "decline_requests", booking, apply="Decline", reason="Crew unavailable")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DECLINED
    assert booking.cancellation_reason == "Crew unavailable"
    assert booking.reservation.status == ReservationStatus.RELEASED


def test_a_refused_action_is_reported_per_booking(admin_client):
    booking = held()
    response = act(admin_client, "approve_requests", booking)
    [message] = said(response)
    assert message.startswith(f"{booking.reference}: cannot approve")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.HELD


def test_pick_up_and_return_complete_the_booking(admin_client):
    booking = paid()
    act(admin_client, "mark_picked_up", booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.IN_PROGRESS
    act(admin_client, "mark_returned", booking)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.COMPLETED
    assert booking.reservation.status == ReservationStatus.RELEASED


def test_cancel_shows_both_refunds_then_refunds_by_the_policy(admin_client):
    booking = paid(days_ahead=2)  # cars, 48 hours ahead: 50% by the policy
    asked = act(admin_client, "cancel_bookings", booking)
    html = asked.content.decode()
    policy = cancellation_preview(booking=booking, now=now())
    assert policy.tier == "partial"
    assert policy.refund_display in html and "In full" in html
    act(admin_client, "cancel_bookings", booking, apply="1", refund="policy", reason="Asked")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.REFUNDED
    assert booking.refund_minor == policy.refund_minor
    assert ledger_totals(booking).refunded == policy.refund_minor


def test_cancel_releases_the_deposit_hold(admin_client):
    booking = paid(days_ahead=2)
    assert ledger_totals(booking).deposit_held == booking.security_deposit_minor
    act(admin_client, "cancel_bookings", booking, apply="1", refund="policy", reason="Asked")
    assert ledger_totals(booking).deposit_held == 0


def test_cancel_in_full_is_a_staff_override(admin_client):
    booking = paid(days_ahead=2)
    act(admin_client, "cancel_bookings", booking, apply="1", refund="full", reason="Breakdown")
    booking.refresh_from_db()
    assert booking.refund_minor == booking.total_minor
    assert ledger_totals(booking).refunded == booking.total_minor


def test_capture_part_of_the_deposit_releases_the_rest(admin_client):
    booking = paid(days_ahead=2)
    booking_mark_picked_up(booking=booking, by=make_driver(is_staff=True))
    held_minor = ledger_totals(booking).deposit_held
    assert held_minor == booking.security_deposit_minor > 0
    asked = act(admin_client, "capture_deposit", booking)
    assert "Capture the deposit" in asked.content.decode()
    too_much = act(
        admin_client, "capture_deposit", booking, apply="1", amount="999999", reason="Scratch"
    )
    assert "more than the deposit held" in too_much.content.decode()
    act(admin_client, "capture_deposit", booking, apply="1", amount="1,250.50", reason="Scratch")
    totals = ledger_totals(booking)
    assert totals.deposit_captured == 125_050
    assert totals.deposit_released == held_minor - 125_050
    assert totals.deposit_held == 0
    assert OutboxMessage.objects.filter(template="deposit_captured").exists()


def test_release_the_deposit(admin_client):
    booking = paid(days_ahead=2)
    response = act(admin_client, "release_deposit", booking, _back=str(booking.pk))
    assert response["Location"] == reverse("admin:bookings_booking_change", args=[booking.pk])
    assert ledger_totals(booking).deposit_held == 0
    assert ledger_totals(booking).deposit_released == booking.security_deposit_minor
    assert OutboxMessage.objects.filter(template="deposit_released").exists()


def test_release_without_a_hold_is_refused(admin_client):
    booking = paid(days_ahead=20)  # the hold is placed nearer the start
    [message] = said(act(admin_client, "release_deposit", booking))
    assert "no deposit held" in message


def test_bookings_are_not_added_or_deleted_here(admin_client):
    booking = held()
    assert admin_client.get(reverse("admin:bookings_booking_add")).status_code == 403
    delete = reverse("admin:bookings_booking_delete", args=[booking.pk])
    assert admin_client.get(delete).status_code == 403


def test_the_payment_ledger_is_read_only(admin_client):
    booking = paid()
    charge = Payment.objects.get(booking=booking, kind=PaymentKind.CHARGE)
    listing = admin_client.get(reverse("admin:payments_payment_changelist"))
    assert listing.status_code == 200 and booking.reference in listing.content.decode()
    url = reverse("admin:payments_payment_change", args=[charge.pk])
    page = admin_client.get(url)
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    admin_client.post(url, {"status": PaymentStatus.FAILED, "amount_minor": 1})
    charge.refresh_from_db()
    assert charge.status == PaymentStatus.SUCCEEDED
    assert admin_client.get(reverse("admin:payments_payment_add")).status_code == 403


def test_customers_cannot_reach_the_back_office(client):
    client.force_login(make_driver())
    response = client.get(reverse(CHANGELIST))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
