import datetime as dt
import zoneinfo

import pytest

from midas.core.ranges import parse_instant, require_range
from midas.errors import AppError, ErrorCode

NY = zoneinfo.ZoneInfo("America/New_York")


def test_a_bare_date_is_the_start_of_that_day_in_the_location():
    assert parse_instant("2027-07-01", NY, field="start") == dt.datetime(
        2027, 7, 1, 4, tzinfo=dt.UTC
    )


def test_an_offset_is_kept():
    assert parse_instant("2027-07-01T10:00:00+04:00", NY, field="start") == dt.datetime(
        2027, 7, 1, 6, tzinfo=dt.UTC
    )
    assert parse_instant("2027-07-01T10:00:00Z", NY, field="start").hour == 10


def test_a_wall_clock_time_inside_the_spring_gap_moves_forward():
    # 02:30 does not exist on 2027-03-14 in New York
    got = parse_instant("2027-03-14T02:30", NY, field="start")
    assert got.astimezone(NY).hour == 3


@pytest.mark.parametrize(
    "bad", ["", "tomorrow", "2027-13-01", "2027-02-30", "1" * 500, "0001-01-01", "9999-12-31T23:59"]
)
def test_garbage_is_invalid_input(bad):
    with pytest.raises(AppError) as err:
        parse_instant(bad, NY, field="start")
    assert err.value.code == ErrorCode.INVALID_INPUT
    assert err.value.field == "start"


def test_require_range_refuses_an_empty_or_backward_range_with_invalid_range():
    start = dt.datetime(2027, 7, 1, tzinfo=dt.UTC)
    require_range(start, start + dt.timedelta(seconds=1))
    for end in (start, start - dt.timedelta(days=1)):
        with pytest.raises(AppError) as caught:
            require_range(start, end)
        assert caught.value.code == ErrorCode.INVALID_RANGE
        assert caught.value.field == "end"
        assert caught.value.message == "the end must be after the start"


def test_require_range_takes_dates_and_the_callers_own_words():
    day = dt.date(2027, 7, 1)
    require_range(day, day + dt.timedelta(days=1))
    with pytest.raises(AppError) as caught:
        require_range(day, day, field=None, message="The window must end after it starts.")
    assert caught.value.field is None
    assert caught.value.message == "The window must end after it starts."


def test_the_core_does_not_import_the_domain_apps():
    import ast
    from pathlib import Path

    import midas.core.ranges

    tree = ast.parse(Path(midas.core.ranges.__file__).read_text(encoding="utf-8"))
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert {name for name in imported if name.startswith("midas.")} <= {"midas.errors"}
