"""``busy_asset_ids`` (plain SQL, one query for all the assets asked): each asset is busy
for its own turnaround after a booking, whatever the others' turnarounds."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from midas.bookings.selectors import busy_asset_ids, busy_in_windows
from midas.bookings.services import reserve
from tests.factories import make_asset, make_location

pytestmark = pytest.mark.django_db


def test_each_asset_keeps_its_own_turnaround_in_one_query():
    dc = make_location(slug="washington-dc", city="Washington DC")
    quick = make_asset("cars", dc, turnaround_minutes=30)
    slow = make_asset("cars", dc, turnaround_minutes=180)
    other_slow = make_asset("cars", dc, turnaround_minutes=180)
    idle = make_asset("cars", dc, turnaround_minutes=0)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    booked_end = start + dt.timedelta(hours=3)
    for asset in (quick, slow):  # both booked [start, start + 3 h)
        reserve(asset=asset, start=start, end=booked_end)
    assets = [quick, slow, other_slow, idle]
    # an hour after the bookings end: the 30-minute turnaround is over, the 3-hour one is not
    later = booked_end + dt.timedelta(hours=1)
    with CaptureQueriesContext(connection) as queries:
        busy = busy_asset_ids(assets, later, later + dt.timedelta(hours=2))
    assert busy == {slow.pk}
    assert len(queries) == 1
    # during the bookings both are busy
    assert busy_asset_ids(assets, start, booked_end) == {quick.pk, slow.pk}
    # before them: a new booking needs its own turnaround free before the next one starts
    before = start - dt.timedelta(hours=5)
    assert busy_asset_ids(assets, before, start - dt.timedelta(hours=4)) == set()
    assert busy_asset_ids(assets, before, start - dt.timedelta(hours=2)) == {slow.pk}
    assert busy_asset_ids([], start, booked_end) == set()


def test_several_windows_are_asked_in_one_query():
    """The listing reads its dates in each asset's time zone: a window per zone."""
    dc = make_location(slug="washington-dc", city="Washington DC")
    early, late = make_asset("cars", dc), make_asset("cars", dc)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    reserve(asset=early, start=start, end=start + dt.timedelta(hours=2))
    reserve(asset=late, start=start + dt.timedelta(hours=10), end=start + dt.timedelta(hours=12))
    first = (start, start + dt.timedelta(hours=1))
    second = (start + dt.timedelta(hours=4), start + dt.timedelta(hours=5))
    with CaptureQueriesContext(connection) as queries:
        # early is asked in the first window (busy), late in the second (free)
        assert busy_in_windows([([early], *first), ([late], *second)]) == {early.pk}
    assert len(queries) == 1
    assert busy_in_windows([([early], *second), ([late], *first)]) == set()
    assert busy_in_windows([([], *first)]) == set()
