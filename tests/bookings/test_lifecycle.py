"""Every state change of a booking, and every change its current state forbids."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from midas.bookings.models import Booking, BookingStatus, ReservationStatus
from midas.bookings.services import (
    booking_approve,
    booking_cancel,
    booking_decline,
    booking_expire_holds,
    booking_mark_picked_up,
    booking_mark_returned,
    booking_send_reminders,
)
from midas.errors import AppError, ErrorCode
from midas.notifications.models import OutboxMessage
from midas.payments.services import payment_pay_booking
from tests.factories import (
    NOW,
    make_asset,
    make_booking,
    make_paid_booking,
    make_staff,
    templates_sent,
)

pytestmark = pytest.mark.django_db

B = BookingStatus


def requested() -> Booking:
    return make_booking(asset=make_asset("jets", booking_mode="request"))


# --- Reaching each state -------------------------------------------------------------------


def in_state(status: str) -> Booking:
    """A booking brought to ``status`` through the services."""
    staff = make_staff()
    if status == B.REQUESTED:
        return requested()
    if status == B.DECLINED:
        return booking_decline(booking=requested(), by=staff, reason="maintenance", now=NOW)
    if status == B.HELD:
        return make_booking()
    if status == B.EXPIRED:
        booking = make_booking()
        booking_expire_holds(now=NOW + dt.timedelta(hours=1))
        return Booking.objects.get(pk=booking.pk)
    if status == B.CANCELLED:
        return booking_cancel(booking=make_booking(), by=None, now=NOW)
    booking = make_paid_booking()
    if status == B.REFUNDED:
        return booking_cancel(booking=booking, by=None, now=NOW)
    if status == B.CONFIRMED:
        return booking
    booking = booking_mark_picked_up(booking=booking, by=staff, now=NOW)
    if status == B.IN_PROGRESS:
        return booking
    return booking_mark_returned(booking=booking, by=staff, now=NOW)


def test_every_state_is_reachable():
    for status in B:
        assert in_state(status).status == status


TRANSITIONS: dict[str, tuple[Callable[..., Booking], set[str]]] = {
    "approve": (lambda b, s: booking_approve(booking=b, by=s, now=NOW), {B.REQUESTED}),
    "decline": (lambda b, s: booking_decline(booking=b, by=s, now=NOW), {B.REQUESTED}),
    "pick up": (lambda b, s: booking_mark_picked_up(booking=b, by=s, now=NOW), {B.CONFIRMED}),
    "return": (lambda b, s: booking_mark_returned(booking=b, by=s, now=NOW), {B.IN_PROGRESS}),
    "cancel": (
        lambda b, s: booking_cancel(booking=b, by=s, now=NOW),
        {B.REQUESTED, B.HELD, B.CONFIRMED},
    ),
    "pay": (
        lambda b, s: payment_pay_booking(booking=b, payment_method="pm_card_visa", now=NOW),
        {B.HELD},
    ),
}


@pytest.mark.parametrize("action", list(TRANSITIONS))
@pytest.mark.parametrize("status", list(B))
def test_transitions_allowed_only_from_their_states(action, status):
    change, allowed = TRANSITIONS[action]
    booking = in_state(status)
    staff = make_staff()
    if status in allowed:
        change(booking, staff)
        return
    before = (booking.status, OutboxMessage.objects.count())
    with pytest.raises(AppError) as err:
        change(booking, staff)
    assert err.value.code == ErrorCode.INVALID_STATE
    assert err.value.status == 409
    booking.refresh_from_db()
    assert (booking.status, OutboxMessage.objects.count()) == before


def test_approve_holds_for_payment_and_tells_the_customer():
    booking = booking_approve(booking=requested(), by=make_staff(), now=NOW)
    assert booking.status == B.HELD
    assert booking.hold_expires_at == NOW + dt.timedelta(hours=24)
    assert templates_sent(to=booking.customer.email)[-1] == "request_approved"


def test_decline_frees_the_slot_and_says_why():
    booking = booking_decline(booking=requested(), by=make_staff(), reason="in maintenance")
    assert booking.status == B.DECLINED
    assert booking.cancellation_reason == "in maintenance"
    assert booking.reservation.status == ReservationStatus.RELEASED
    message = OutboxMessage.objects.get(template="request_declined")
    assert message.to == booking.customer.email


@pytest.mark.parametrize(
    "action",
    [
        lambda b, c: booking_approve(booking=b, by=c),
        lambda b, c: booking_decline(booking=b, by=c),
    ],
)
def test_customers_cannot_decide_requests(action):
    booking = requested()
    with pytest.raises(AppError) as err:
        action(booking, booking.customer)
    assert err.value.code == ErrorCode.FORBIDDEN


def test_pick_up_and_return_complete_and_free_the_rest_of_the_slot():
    staff = make_staff()
    booking = make_paid_booking()
    booking = booking_mark_picked_up(booking=booking, by=staff, now=NOW)
    assert booking.status == B.IN_PROGRESS
    assert booking.reservation.status == ReservationStatus.ACTIVE
    returned_at = NOW + dt.timedelta(days=11)
    booking = booking_mark_returned(booking=booking, by=staff, now=returned_at)
    assert booking.status == B.COMPLETED
    booking.reservation.refresh_from_db()
    assert booking.reservation.status == ReservationStatus.RELEASED
    assert booking.reservation.released_at == returned_at


# --- Hold expiry ----------------------------------------------------------------------------


def test_expiry_job_expires_only_lapsed_holds_and_requests():
    fresh = make_booking(now=NOW + dt.timedelta(minutes=10))
    lapsed = make_booking()
    request = requested()
    paid = make_paid_booking()
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=20)) == 1
    assert booking_expire_holds(now=NOW + dt.timedelta(minutes=20)) == 0  # idempotent
    statuses = {b.pk: b.status for b in Booking.objects.all()}
    assert statuses[lapsed.pk] == B.EXPIRED
    assert statuses[fresh.pk] == B.HELD
    assert statuses[request.pk] == B.REQUESTED
    assert statuses[paid.pk] == B.CONFIRMED
    assert booking_expire_holds(now=NOW + dt.timedelta(hours=25)) == 2
    request.refresh_from_db()
    assert request.status == B.EXPIRED
    assert request.reservation.status == ReservationStatus.RELEASED
    assert OutboxMessage.objects.filter(template="request_declined").count() == 1


def test_expiry_at_exactly_the_deadline():
    booking = make_booking()
    assert booking_expire_holds(now=booking.hold_expires_at - dt.timedelta(seconds=1)) == 0
    assert booking_expire_holds(now=booking.hold_expires_at) == 1


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_go_once_a_day_ahead():
    booking = make_paid_booking(days_ahead=3)
    start = booking.start
    assert booking_send_reminders(now=start - dt.timedelta(hours=25)) == 0
    assert booking_send_reminders(now=start - dt.timedelta(hours=24)) == 1
    assert booking_send_reminders(now=start - dt.timedelta(hours=2)) == 1
    assert OutboxMessage.objects.filter(template="booking_reminder").count() == 1
    assert booking_send_reminders(now=start) == 0


def test_no_reminder_for_a_booking_confirmed_inside_the_last_day():
    make_paid_booking(asset=make_asset(min_notice_hours=2), days_ahead=0.5, now=NOW)
    assert booking_send_reminders(now=NOW + dt.timedelta(hours=1)) == 0
