"""booking_create: checkout holds the slot, prices on the server, and is idempotent."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import transaction

from midas.bookings.models import Booking, BookingStatus, Reservation, ReservationStatus
from midas.bookings.services import booking_create, booking_create_or_replay, notices
from midas.bookings.services import create as create_module
from midas.catalog.selectors import page_versions
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from tests.factories import NOW, make_asset, make_booking, make_driver, templates_sent

pytestmark = pytest.mark.django_db

START = dt.datetime(2027, 1, 14, 10, tzinfo=dt.UTC)


def test_instant_booking_is_held_for_hold_minutes_with_the_quote_frozen(settings):
    settings.HOLD_MINUTES = 15
    customer = make_driver()
    asset = make_asset(base_rate_minor=100_000, security_deposit_minor=500_000)
    booking = booking_create(
        customer=customer, asset=asset, start=START, end=START + dt.timedelta(days=2), now=NOW
    )
    assert booking.status == BookingStatus.HELD
    assert re.fullmatch(r"MID-[A-HJ-NP-Z2-9]{6}", booking.reference)
    assert booking.hold_expires_at == NOW + dt.timedelta(minutes=15)
    assert booking.currency == "USD"
    assert [line["kind"] for line in booking.quote_lines] == ["rental", "service_fee", "tax"]
    # 2 days × 1,000 + 5% fee + 7% tax on both = 2,000 + 100 + 147
    assert booking.total_minor == 200_000 + 10_000 + 14_700
    assert booking.total_minor == sum(line["amount"] for line in booking.quote_lines)
    assert booking.security_deposit_minor == 500_000
    assert booking.reservation.status == ReservationStatus.ACTIVE
    assert booking.reservation.occupied_until == booking.end + dt.timedelta(minutes=120)
    assert templates_sent() == ["booking_held", "staff_new_booking"]
    assert OutboxMessage.objects.get(template="booking_held").to == customer.email


def test_request_to_book_is_requested_and_keeps_the_slot_a_day(settings):
    asset = make_asset("jets", booking_mode="request")
    booking = make_booking(asset=asset)
    assert booking.status == BookingStatus.REQUESTED
    assert booking.hold_expires_at == NOW + dt.timedelta(hours=24)
    assert templates_sent() == ["request_received", "staff_new_request"]


def test_the_slot_is_taken_once():
    asset = make_asset()
    make_booking(asset=asset)
    with pytest.raises(AppError) as err:
        make_booking(asset=asset)
    assert err.value.code == ErrorCode.SLOT_UNAVAILABLE
    assert Booking.objects.count() == 1


def test_quote_rules_apply_and_write_nothing():
    with pytest.raises(AppError) as err:
        make_booking(days_ahead=0.5)  # inside the 24 h notice
    assert err.value.code == ErrorCode.INSIDE_MIN_NOTICE
    assert not Booking.objects.exists()
    assert not Reservation.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_an_ineligible_customer_is_refused_with_the_reason():
    young = make_driver(date_of_birth=dt.date(2010, 1, 1))
    with pytest.raises(AppError) as err:
        make_booking(customer=young)
    assert err.value.code == ErrorCode.NOT_ELIGIBLE
    assert not Reservation.objects.exists()


def test_same_idempotency_key_and_request_returns_the_same_booking():
    customer, asset = make_driver(), make_asset()
    args = dict(customer=customer, asset=asset, start=START, end=START + dt.timedelta(days=1))
    first, created = booking_create_or_replay(**args, idempotency_key="k-1", now=NOW)
    again, created_again = booking_create_or_replay(**args, idempotency_key="k-1", now=NOW)
    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    assert Booking.objects.count() == 1
    assert OutboxMessage.objects.count() == 2  # no second round of emails


def test_same_key_different_request_is_a_conflict():
    customer, asset = make_driver(), make_asset()
    booking_create(
        customer=customer,
        asset=asset,
        start=START,
        end=START + dt.timedelta(days=1),
        idempotency_key="k-1",
        now=NOW,
    )
    with pytest.raises(AppError) as err:
        booking_create(
            customer=customer,
            asset=asset,
            start=START,
            end=START + dt.timedelta(days=2),
            idempotency_key="k-1",
            now=NOW,
        )
    assert err.value.code == ErrorCode.IDEMPOTENCY_CONFLICT
    assert err.value.status == 409


def test_keys_are_per_customer():
    asset = make_asset()
    a = make_booking(asset=asset, idempotency_key="same")
    b = make_booking(asset=make_asset(), idempotency_key="same")
    assert a.pk != b.pk


def test_reference_clash_is_retried(monkeypatch):
    taken = make_booking()
    fresh = iter([taken.reference, taken.reference, "MID-ZZZZZZ"])
    monkeypatch.setattr(create_module, "new_booking_reference", lambda: next(fresh))
    monkeypatch.setattr(create_module, "_free_reference", lambda: next(fresh))
    booking = make_booking()
    assert booking.reference == "MID-ZZZZZZ"
    assert booking.reservation.note == "booking MID-ZZZZZZ"


def test_a_failure_after_the_state_change_rolls_back_booking_slot_and_emails(monkeypatch, settings):
    real = notices.email_enqueue_later

    def broken(**kwargs):
        if kwargs["to"] == settings.CONCIERGE_EMAIL:
            raise RuntimeError("staff mailbox exploded")
        return real(**kwargs)

    monkeypatch.setattr(notices, "email_enqueue_later", broken)
    with pytest.raises(RuntimeError):
        make_booking()
    assert not Booking.objects.exists()
    assert not Reservation.objects.exists()
    assert not OutboxMessage.objects.exists()  # the customer's email went with it


def test_outbox_rows_commit_with_the_booking():
    with transaction.atomic():
        booking = make_booking()
        assert (
            OutboxMessage.objects.filter(
                dedupe_key__startswith=f"booking:{booking.reference}"
            ).count()
            == 2
        )


def test_a_booking_moves_the_calendar_version_and_a_refused_one_does_not():
    asset = make_asset()
    contents, calendars = page_versions()
    make_booking(asset=asset)
    after = page_versions()
    # cached calendars render afresh; the catalogue's contents (and what each process
    # keeps of them: prices, cards, the API's rows) did not change
    assert after == (contents, calendars + 1)
    with pytest.raises(AppError) as err:
        make_booking(asset=asset)  # the same slot
    assert err.value.code == ErrorCode.SLOT_UNAVAILABLE
    assert page_versions() == after
