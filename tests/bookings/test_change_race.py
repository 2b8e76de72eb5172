"""Two customers at the same moment: one moves a booking into a slot the other is booking.
Exactly one wins, the other gets a clean refusal, and the asset is never held twice. Real
threads and transactions (SQLite here; PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.models import Booking, BookingChange, Reservation, ReservationStatus
from midas.bookings.selectors import overlapping
from midas.bookings.services import booking_change, booking_create
from midas.errors import AppError
from tests.concurrency import race
from tests.factories import NOW, make_asset, make_driver, make_paid_booking

ROUNDS = 4
DAY = dt.timedelta(days=1)


def _attempt(mover: Booking, newcomer, start: dt.datetime):
    def attempt(i: int) -> str:
        try:
            if i == 0:
                booking_change(
                    booking=mover, start=start, end=start + 2 * DAY, by=mover.customer, now=NOW
                )
                return "moved"
            booking_create(
                customer=newcomer, asset=mover.asset, start=start, end=start + 2 * DAY, now=NOW
            )
            return "booked"
        except AppError as exc:
            return str(exc.code)

    return attempt


@pytest.mark.django_db(transaction=True)
def test_a_move_and_a_new_booking_into_one_slot_exactly_one_wins():
    asset = make_asset()
    for n in range(ROUNDS):
        mover = make_paid_booking(asset=asset, days_ahead=10 + 20 * n, length_days=2)
        newcomer = make_driver()
        start = mover.start + 7 * DAY  # the same length, so the same price: swapped at once
        results = race(2, _attempt(mover, newcomer, start))
        winners = [r for r in results if r in ("moved", "booked")]
        assert len(winners) == 1, results
        [loser] = [r for r in results if r not in winners]
        assert loser in ("slot_unavailable", "lock_timeout"), results
        held = overlapping([asset.pk], start, start + 2 * DAY)
        assert held.count() == 1, results
        mover = Booking.objects.get(pk=mover.pk)
        reservation = Reservation.objects.get(pk=mover.reservation_id)
        assert reservation.status == ReservationStatus.ACTIVE
        if winners == ["moved"]:
            assert (mover.start, reservation.start) == (start, start)
            assert BookingChange.objects.filter(booking=mover).count() == 1
        else:  # the move lost: the old dates are still held, nothing recorded
            assert mover.start == reservation.start != start
            assert not BookingChange.objects.filter(booking=mover).exists()


@pytest.mark.django_db(transaction=True)
def test_two_moves_into_one_slot_exactly_one_wins():
    asset = make_asset()
    first = make_paid_booking(asset=asset, days_ahead=10, length_days=2)
    second = make_paid_booking(asset=asset, days_ahead=13, length_days=2)
    start = first.start + 8 * DAY

    def attempt(i: int) -> str:
        booking = (first, second)[i]
        try:
            booking_change(
                booking=booking, start=start, end=start + 2 * DAY, by=booking.customer, now=NOW
            )
        except AppError as exc:
            return str(exc.code)
        return "moved"

    results = race(2, attempt)
    assert results.count("moved") == 1, results
    assert set(results) <= {"moved", "slot_unavailable", "lock_timeout"}, results
    active = Reservation.objects.filter(asset=asset, status=ReservationStatus.ACTIVE)
    assert active.count() == 2
    assert overlapping([asset.pk], start, start + 2 * DAY).count() == 1
