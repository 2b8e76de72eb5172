import datetime as dt
import zoneinfo

import pytest

from midas.bookings.ranges import MAX_WINDOW, parse_instant, read_window
from midas.core import ranges as core_ranges
from midas.errors import AppError, ErrorCode

NY = zoneinfo.ZoneInfo("America/New_York")


def test_the_generic_helpers_are_still_importable_from_here():
    assert parse_instant is core_ranges.parse_instant


def test_a_window_reads_bare_dates_in_the_zone():
    start, end = read_window("2027-07-01", dt.date(2027, 7, 3), NY)
    assert start == dt.datetime(2027, 7, 1, 4, tzinfo=dt.UTC)
    assert end == dt.datetime(2027, 7, 3, 4, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("end", "code"),
    [
        ("2027-07-01", ErrorCode.INVALID_RANGE),
        ("2027-06-30", ErrorCode.INVALID_RANGE),
        (str(dt.date(2027, 7, 1) + MAX_WINDOW + dt.timedelta(days=1)), ErrorCode.RANGE_TOO_LONG),
    ],
)
def test_a_window_ends_after_it_starts_and_is_not_too_long(end, code):
    with pytest.raises(AppError) as caught:
        read_window("2027-07-01", end, NY)
    assert caught.value.code == code
    assert caught.value.field == "end"
