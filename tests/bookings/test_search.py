"""The one catalogue search (``midas.bookings.search``): availability on top of the
catalogue's filters, and what it refuses."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from midas.bookings.ranges import MAX_WINDOW
from midas.bookings.search import AssetSearch, search_assets
from midas.bookings.services import reserve
from midas.catalog.selectors import Sort
from midas.errors import AppError, ErrorCode
from tests.factories import make_asset, make_location

pytestmark = pytest.mark.django_db


@pytest.fixture
def dc():
    return make_location(slug="washington-dc", city="Washington DC", position=2)


@pytest.fixture
def dubai():
    return make_location(
        slug="dubai", city="Dubai", country="AE", timezone="Asia/Dubai", currency="AED", position=1
    )


def slugs(assets) -> list[str]:
    return [a.slug for a in assets]


def test_without_dates_it_is_a_queryset_of_the_catalogues_filters(dc):
    cheap = make_asset("cars", dc, base_rate_minor=50_000)
    dear = make_asset("cars", dc, base_rate_minor=200_000)
    make_asset("yachts", dc)
    found = search_assets(AssetSearch(category=cheap.category, price_max=1000))
    assert slugs(found) == [cheap.slug]
    assert hasattr(found, "query")  # a queryset: the paginator counts in SQL
    by_price = search_assets(AssetSearch(category=cheap.category, sort=Sort.PRICE_DESC))
    assert slugs(by_price) == [dear.slug, cheap.slug]


def test_dates_keep_only_free_assets(dc):
    busy = make_asset("cars", dc)
    free = make_asset("cars", dc)
    day = timezone.now().date() + dt.timedelta(days=20)
    start = dt.datetime.combine(day, dt.time(12), tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    reserve(asset=busy, start=start, end=start + dt.timedelta(hours=3))
    search = AssetSearch(start=day, end=day + dt.timedelta(days=1))
    assert slugs(search_assets(search)) == [free.slug]
    later = AssetSearch(start=day + dt.timedelta(days=2), end=day + dt.timedelta(days=3))
    assert sorted(slugs(search_assets(later))) == sorted([busy.slug, free.slug])


def test_the_turnaround_after_a_booking_counts_as_busy(dc):
    asset = make_asset("cars", dc, turnaround_minutes=120)
    day = timezone.now().date() + dt.timedelta(days=20)
    start = dt.datetime.combine(day, dt.time(1), tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    reserve(asset=asset, start=start - dt.timedelta(hours=4), end=start - dt.timedelta(hours=2))
    # the booking ends at 23:00 the day before; the buffer runs to 01:00 on ``day``
    assert slugs(search_assets(AssetSearch(start=day, end=day + dt.timedelta(days=1)))) == []


def test_dates_in_the_chosen_citys_time_zone(dc, dubai):
    """A booking 01:00-03:00 in Dubai on day+1 is 21:00-23:00 UTC (17:00 in DC) on day."""
    asset = make_asset("cars", dubai, turnaround_minutes=0)
    asset.delivery_locations.add(dc)
    day = timezone.now().date() + dt.timedelta(days=20)
    start = dt.datetime.combine(
        day + dt.timedelta(days=1), dt.time(1), tzinfo=zoneinfo.ZoneInfo("Asia/Dubai")
    )
    reserve(asset=asset, start=start, end=start + dt.timedelta(hours=2))
    one_day = {"start": day, "end": day + dt.timedelta(days=1)}
    assert slugs(search_assets(AssetSearch(location=dubai, **one_day))) == [asset.slug]
    assert slugs(search_assets(AssetSearch(location=dc, **one_day))) == []


def test_text_and_dates_are_the_same_search(dc, dubai):
    make_asset("cars", dc)
    make_asset("cars", dubai)
    day = timezone.now().date() + dt.timedelta(days=20)
    as_dates = AssetSearch(start=day, end=day + dt.timedelta(days=2))
    as_text = AssetSearch(start=str(day), end=str(day + dt.timedelta(days=2)))
    assert slugs(search_assets(as_dates)) == slugs(search_assets(as_text))


@pytest.mark.parametrize(
    ("search", "code", "field"),
    [
        (AssetSearch(start=dt.date(2027, 7, 1)), ErrorCode.INVALID_INPUT, "end"),
        (AssetSearch(end=dt.date(2027, 7, 1)), ErrorCode.INVALID_INPUT, "start"),
        (
            AssetSearch(start=dt.date(2027, 7, 2), end=dt.date(2027, 7, 1)),
            ErrorCode.INVALID_RANGE,
            "end",
        ),
        (
            AssetSearch(start=dt.date(2027, 7, 1), end=dt.date(2027, 7, 1) + MAX_WINDOW * 2),
            ErrorCode.RANGE_TOO_LONG,
            "end",
        ),
        (AssetSearch(start="1999-12-31", end="2000-01-02"), ErrorCode.INVALID_INPUT, "start"),
        (AssetSearch(price_min=10, price_max=9), ErrorCode.INVALID_RANGE, "price_max"),
    ],
)
def test_what_cannot_be_searched_is_refused_even_with_nothing_to_search(search, code, field):
    with pytest.raises(AppError) as caught:
        search_assets(search)
    assert (caught.value.code, caught.value.field) == (code, field)


def test_one_price_is_a_range(dc):
    asset = make_asset("cars", dc, base_rate_minor=150_000)
    assert slugs(search_assets(AssetSearch(price_min=1500, price_max=1500))) == [asset.slug]
