"""The back office changes a booking's dates and refunds a custom amount, through the same
services as the customer; each change is listed on the booking's page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from midas.bookings.models import Booking, BookingChange, BookingChangeKind
from midas.payments.selectors import ledger_totals
from tests.bookings.test_admin import act, said
from tests.factories import NOW, make_paid_booking, outbox
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def pinned(monkeypatch):
    return pin_now(monkeypatch, NOW)


@pytest.fixture
def booking():
    return make_paid_booking(days_ahead=10, length_days=3)  # Thu 14 Jan 2027, 07:00 Miami


def page(admin_client, booking: Booking) -> str:
    url = reverse("admin:bookings_booking_change", args=[booking.pk])
    return admin_client.get(url).content.decode()


def test_a_confirmed_booking_offers_the_change_and_the_refund(admin_client, booking):
    text = page(admin_client, booking)
    assert 'value="change_dates"' in text and "Change dates" in text
    assert 'value="refund_amount"' in text and "Refund an amount" in text
    assert "Changes (dates, guests, refunds by staff)" in text


def test_staff_see_the_new_price_first_then_confirm(admin_client, booking, pinned):
    pinned.set(booking.start - 30 * dt.timedelta(hours=1))  # inside the customer's window
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-16T07:00", "reason": "Flight moved"}
    asked = act(admin_client, "change_dates", booking, apply="1", **dates)
    text = asked.content.decode()
    assert asked.status_code == 200
    assert "New total" in text and "Confirm the change" in text
    assert Booking.objects.get(pk=booking.pk).end == booking.end  # nothing yet
    difference = text.split('name="expected_difference" value="')[1].split('"')[0]
    done = act(
        admin_client,
        "change_dates",
        booking,
        apply="1",
        expected_difference=difference,
        _back=str(booking.pk),
        **dates,
    )
    assert done.status_code == 302
    assert any("changed" in message for message in said(done))
    changed = Booking.objects.get(pk=booking.pk)
    assert changed.end == booking.end - DAY
    change = BookingChange.objects.get()
    assert (change.by_staff, change.reason) == (True, "Flight moved")
    assert ledger_totals(changed).net_paid == changed.total_minor
    [mail] = outbox(template="booking_changed")
    assert "by our concierge" in mail.body_text and "Flight moved" in mail.body_text
    listed = page(admin_client, booking)
    assert "Flight moved" in listed and "refunded" in listed


def test_a_dearer_change_is_left_to_the_customer_unless_waived(admin_client, booking):
    dates = {"start": "2027-01-14T07:00", "end": "2027-01-18T07:00", "reason": "Upgrade"}
    refused = act(admin_client, "change_dates", booking, apply="1", **dates)
    assert "waive" in refused.content.decode() and "more" in refused.content.decode()
    waived = {**dates, "waive_difference": "on"}
    asked = act(admin_client, "change_dates", booking, apply="1", **waived)
    difference = asked.content.decode().split('name="expected_difference" value="')[1]
    difference = difference.split('"')[0]
    act(admin_client, "change_dates", booking, apply="1", expected_difference=difference, **waived)
    changed = Booking.objects.get(pk=booking.pk)
    assert changed.end == booking.end + DAY
    assert BookingChange.objects.get().waived_minor == int(difference) > 0
    assert ledger_totals(changed).paid == booking.total_minor


def test_staff_refund_a_custom_amount_with_a_reason(admin_client, booking):
    asked = act(admin_client, "refund_amount", booking)
    assert "at most" in asked.content.decode()
    too_much = act(
        admin_client, "refund_amount", booking, apply="1", amount="999999", reason="Late"
    )
    assert "paid and not yet refunded" in too_much.content.decode()
    no_reason = act(admin_client, "refund_amount", booking, apply="1", amount="100", reason="")
    assert no_reason.status_code == 200 and not BookingChange.objects.exists()
    done = act(admin_client, "refund_amount", booking, apply="1", amount="1,250.50", reason="Late")
    assert done.status_code == 302
    totals = ledger_totals(booking)
    assert totals.refunded == 125_050
    change = BookingChange.objects.get()
    assert (change.kind, change.refund_minor, change.reason) == (
        BookingChangeKind.REFUND,
        125_050,
        "Late",
    )
    [mail] = outbox(template="booking_refund_issued")
    assert "USD 1,250.50" in mail.body_text and "Late" in mail.body_text
