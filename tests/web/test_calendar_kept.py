"""The asset page's month grid kept per (contents, calendars) versions, asset, month and
today where the asset is (``web.calendar.month_view_for``)."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from midas.bookings.services import reserve
from midas.catalog.selectors import page_versions
from midas.web.calendar import month_view_for

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")


def state_of(month, day: dt.date) -> str:
    return next(cell.state for week in month.weeks for cell in week if cell and cell.date == day)


def test_a_kept_month_follows_a_reservation_and_the_day_turning(car, soon):
    # mid-month, so that the day before and the day after stay in its month; the clock is
    # the one given to month_view_for (``now``)
    day = (soon + dt.timedelta(days=30)).replace(day=15)
    asked = f"{day:%Y-%m}"
    noon = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12), tzinfo=NY)
    first = month_view_for(page_versions(), car, asked, noon)
    assert state_of(first, day) == "free"
    assert month_view_for(page_versions(), car, asked, noon) is first  # kept

    start = dt.datetime.combine(day, dt.time(0), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))  # moves the calendars'
    booked = month_view_for(page_versions(), car, asked, noon)
    assert booked is not first and state_of(booked, day) == "full"

    day_after = noon + dt.timedelta(days=2)  # the same versions, two days on where it is
    later = month_view_for(page_versions(), car, asked, day_after)
    assert state_of(later, day) == "past"
    other = month_view_for(page_versions(), car, "not-a-month", noon)
    assert other.notice and other is not booked
