from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone

from midas.bookings.services import reserve
from midas.catalog.selectors import (
    CollectionFilters,
    Sort,
    asset_for_page,
    categories_with_covers,
    collection,
    featured_assets,
    locations_with_counts,
    related_assets,
    served_locations,
)
from tests.factories import make_asset, make_category, make_location

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


def test_collection_filters_category_and_hides_inactive(dc):
    car = make_asset("cars", dc)
    make_asset("cars", dc, is_active=False)
    make_asset("yachts", dc)
    assert slugs(collection(CollectionFilters(category=make_category("cars")))) == [car.slug]


def test_city_means_home_or_delivered_without_duplicates(dc, dubai):
    maryland = make_location(slug="maryland", city="Maryland")
    based = make_asset("cars", dc)
    delivered = make_asset("cars", dubai)
    delivered.delivery_locations.add(dc)
    based.delivery_locations.add(maryland)
    result = slugs(collection(CollectionFilters(location=dc, sort=Sort.NAME)))
    assert sorted(result) == sorted([based.slug, delivered.slug])
    assert slugs(collection(CollectionFilters(location=maryland))) == [based.slug]


def test_price_bounds_are_whole_major_units(dc):
    cheap = make_asset("cars", dc, base_rate_minor=99_950)  # USD 999.50
    dear = make_asset("cars", dc, base_rate_minor=100_000)  # USD 1,000
    assert slugs(collection(CollectionFilters(price_min=1000))) == [dear.slug]
    assert slugs(collection(CollectionFilters(price_max=999))) == []
    assert slugs(collection(CollectionFilters(price_max=1000, sort=Sort.PRICE_ASC))) == [
        cheap.slug,
        dear.slug,
    ]


def test_price_bounds_respect_three_decimal_currencies():
    kuwait = make_location(slug="kuwait", city="Kuwait", country="KW", currency="KWD")
    asset = make_asset("cars", kuwait, base_rate_minor=1_500_000)  # KWD 1,500.000
    assert slugs(collection(CollectionFilters(price_min=1500, price_max=1500))) == [asset.slug]
    assert slugs(collection(CollectionFilters(price_min=1501))) == []


def test_sorts(dc):
    a = make_asset("cars", dc, name="Alpha", base_rate_minor=300)
    b = make_asset("cars", dc, name="Bravo", base_rate_minor=100, is_featured=True)
    c = make_asset("cars", dc, name="Charlie", base_rate_minor=200)
    assert slugs(collection(CollectionFilters(sort=Sort.PRICE_ASC))) == [b.slug, c.slug, a.slug]
    assert slugs(collection(CollectionFilters(sort=Sort.PRICE_DESC))) == [a.slug, c.slug, b.slug]
    assert slugs(collection(CollectionFilters(sort=Sort.NAME))) == [a.slug, b.slug, c.slug]
    assert slugs(collection(CollectionFilters()))[0] == b.slug
    assert slugs(collection(CollectionFilters(sort="nonsense")))[0] == b.slug


def test_dates_keep_only_free_assets(dc):
    busy = make_asset("cars", dc)
    free = make_asset("cars", dc)
    day = timezone.now().date() + dt.timedelta(days=20)
    start = dt.datetime.combine(day, dt.time(12), tzinfo=zoneinfo.ZoneInfo("America/New_York"))
    reserve(asset=busy, start=start, end=start + dt.timedelta(hours=3))
    filters = CollectionFilters(start=day, end=day + dt.timedelta(days=1))
    assert slugs(collection(filters)) == [free.slug]
    later = CollectionFilters(start=day + dt.timedelta(days=2), end=day + dt.timedelta(days=3))
    assert sorted(slugs(collection(later))) == sorted([busy.slug, free.slug])


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
    assert slugs(collection(CollectionFilters(location=dubai, **one_day))) == [asset.slug]
    assert slugs(collection(CollectionFilters(location=dc, **one_day))) == []


def test_featured_takes_turns_between_categories(dc):
    for n in range(4):
        make_asset("cars", dc, is_featured=True, base_rate_minor=1000 + n)
    yacht = make_asset("yachts", dc, is_featured=True)
    make_asset("villas", dc)  # not featured
    chosen = featured_assets(limit=3)
    assert len(chosen) == 3
    assert yacht in chosen
    assert all(a.is_featured for a in chosen)


def test_categories_with_covers_and_counts(dc):
    make_category("yachts")
    featured = make_asset("cars", dc, is_featured=True, base_rate_minor=10)
    make_asset("cars", dc, base_rate_minor=999_999)
    make_asset("cars", dc, is_active=False)
    cars, yachts = categories_with_covers()
    assert (cars.slug, cars.asset_count) == ("cars", 2)
    assert cars.cover.alt == featured.name
    assert cars.cover.url.endswith("midas/art/cars-1.svg")
    assert (yachts.asset_count, yachts.cover) == (0, None)


def test_locations_count_based_and_delivered(dc, dubai):
    make_asset("cars", dc)
    away = make_asset("cars", dubai)
    away.delivery_locations.add(dc)
    counts = {loc.slug: (loc.based, loc.delivered) for loc in locations_with_counts()}
    assert counts == {"dubai": (1, 0), "washington-dc": (1, 1)}
    assert [loc.slug for loc in locations_with_counts()] == ["dubai", "washington-dc"]


def test_asset_for_page_and_served_locations(dc, dubai, django_assert_num_queries):
    maryland = make_location(slug="maryland", city="Maryland")
    asset = make_asset("cars", dc)
    asset.delivery_locations.add(maryland)
    make_asset("cars", dc, slug="hidden", is_active=False)
    with django_assert_num_queries(3):
        found = asset_for_page(asset.slug)
        assert [loc.slug for loc in served_locations(found)] == ["washington-dc", "maryland"]
        assert found.spec_rows and found.images.all()[0].width == 1200
    assert asset_for_page("hidden") is None
    assert asset_for_page("nothing") is None


def test_related_assets_share_the_category(dc):
    asset = make_asset("cars", dc)
    sibling = make_asset("cars", dc)
    make_asset("yachts", dc)
    assert related_assets(asset) == [sibling]
