"""reserve(): the one write path that occupies an asset, and the database rule behind it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction

from midas.bookings.models import Reservation, ReservationKind, ReservationStatus
from midas.bookings.services import release, reserve
from midas.errors import AppError, ErrorCode
from tests.concurrency import race
from tests.factories import make_asset

T0 = dt.datetime(2027, 3, 1, 10, tzinfo=dt.UTC)


def hours(n: float) -> dt.timedelta:
    return dt.timedelta(hours=n)


@pytest.mark.django_db
def test_reserve_occupies_the_range_plus_the_turnaround_buffer():
    asset = make_asset(turnaround_minutes=120)
    row = reserve(asset=asset, start=T0, end=T0 + hours(24))
    assert row.occupied_until == T0 + hours(26)
    assert row.status == ReservationStatus.ACTIVE
    assert row.reference.startswith("MR-")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "ok"),
    [
        (T0 + hours(26), T0 + hours(30), True),  # right after the buffer: half-open
        (T0 + hours(25), T0 + hours(30), False),  # inside the buffer
        (T0 - hours(5), T0, True),  # ends as the other starts (its own buffer is 0 here)
        (T0 - hours(5), T0 + hours(1), False),
        (T0 + hours(2), T0 + hours(3), False),  # inside
        (T0 - hours(48), T0 + hours(48), False),  # around
    ],
)
def test_overlap_rules_are_half_open(start, end, ok):
    asset = make_asset(turnaround_minutes=120)
    reserve(asset=asset, start=T0, end=T0 + hours(24))
    asset.turnaround_minutes = 0
    if ok:
        reserve(asset=asset, start=start, end=end)
    else:
        with pytest.raises(AppError) as err:
            reserve(asset=asset, start=start, end=end)
        assert err.value.code == ErrorCode.SLOT_UNAVAILABLE
        assert err.value.status == 409
    assert Reservation.objects.filter(asset=asset).count() == (2 if ok else 1)


@pytest.mark.django_db
def test_the_new_bookings_own_buffer_must_clear_the_next_one():
    asset = make_asset(turnaround_minutes=180)
    reserve(asset=asset, start=T0, end=T0 + hours(5))
    with pytest.raises(AppError):
        reserve(asset=asset, start=T0 - hours(4), end=T0 - hours(2))  # buffer runs to T0+1h
    reserve(asset=asset, start=T0 - hours(6), end=T0 - hours(3))  # buffer ends exactly at T0


@pytest.mark.django_db
def test_blocks_occupy_too_and_carry_no_buffer():
    asset = make_asset(turnaround_minutes=120)
    block = reserve(asset=asset, start=T0, end=T0 + hours(48), kind=ReservationKind.MAINTENANCE)
    assert block.occupied_until == block.end
    with pytest.raises(AppError):
        reserve(asset=asset, start=T0 + hours(47), end=T0 + hours(50))


@pytest.mark.django_db
def test_released_rows_free_the_slot_and_release_is_idempotent():
    asset = make_asset()
    row = reserve(asset=asset, start=T0, end=T0 + hours(24))
    release(reservation=row)
    release(reservation=row)
    assert Reservation.objects.get(pk=row.pk).status == ReservationStatus.RELEASED
    reserve(asset=asset, start=T0, end=T0 + hours(24))


@pytest.mark.django_db
def test_other_assets_do_not_conflict():
    reserve(asset=make_asset(), start=T0, end=T0 + hours(24))
    reserve(asset=make_asset(), start=T0, end=T0 + hours(24))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (T0, T0, ErrorCode.INVALID_RANGE),
        (T0, T0 - hours(1), ErrorCode.INVALID_RANGE),
        (T0, T0 + dt.timedelta(days=420), ErrorCode.RANGE_TOO_LONG),
        (T0.replace(tzinfo=None), T0 + hours(1), ErrorCode.INVALID_INPUT),
    ],
)
def test_bad_ranges_write_nothing(start, end, code):
    asset = make_asset()
    with pytest.raises(AppError) as err:
        reserve(asset=asset, start=start, end=end)
    assert err.value.code == code
    assert not Reservation.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_itself_refuses_an_overlap_on_postgresql():
    assert connection.vendor == "postgresql"
    asset = make_asset()
    reserve(asset=asset, start=T0, end=T0 + hours(24))
    with pytest.raises(IntegrityError, match="reservation_no_overlap"), transaction.atomic():
        Reservation.objects.create(
            asset=asset,
            start=T0 + hours(1),
            end=T0 + hours(2),
            occupied_until=T0 + hours(2),
            reference="X-1",
        )


@pytest.mark.django_db(transaction=True)
def test_twenty_threads_race_for_one_slot_exactly_one_wins():
    asset = make_asset()
    threads = 20

    def attempt(i: int) -> str:
        try:
            # overlapping but not identical ranges: every pair conflicts
            reserve(asset=asset, start=T0 + hours(i * 0.1), end=T0 + hours(30))
        except AppError as exc:
            return exc.code
        return "won"

    outcomes = race(threads, attempt)

    assert outcomes.count("won") == 1, outcomes
    assert outcomes.count(ErrorCode.SLOT_UNAVAILABLE) == threads - 1, outcomes
    assert Reservation.objects.filter(asset=asset, status=ReservationStatus.ACTIVE).count() == 1
