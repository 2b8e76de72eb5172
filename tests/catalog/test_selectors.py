from __future__ import annotations

import pytest

from midas.catalog.models import Asset, ExchangeRate
from midas.catalog.selectors import (
    Sort,
    asset_for_page,
    categories_with_covers,
    featured_assets,
    locations_with_counts,
    matching,
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


def test_matching_filters_category_and_hides_inactive(dc):
    car = make_asset("cars", dc)
    make_asset("cars", dc, is_active=False)
    make_asset("yachts", dc)
    assert slugs(matching(category=make_category("cars"))) == [car.slug]


def test_city_means_home_or_delivered_without_duplicates(dc, dubai):
    maryland = make_location(slug="maryland", city="Maryland")
    based = make_asset("cars", dc)
    delivered = make_asset("cars", dubai)
    delivered.delivery_locations.add(dc)
    based.delivery_locations.add(maryland)
    result = slugs(matching(location=dc, sort=Sort.NAME))
    assert sorted(result) == sorted([based.slug, delivered.slug])
    assert slugs(matching(location=maryland)) == [based.slug]


def test_price_bounds_are_whole_major_units(dc):
    cheap = make_asset("cars", dc, base_rate_minor=99_950)  # USD 999.50
    dear = make_asset("cars", dc, base_rate_minor=100_000)  # USD 1,000
    assert slugs(matching(price_min=1000)) == [dear.slug]
    assert slugs(matching(price_max=999)) == []
    assert slugs(matching(price_max=1000, sort=Sort.PRICE_ASC)) == [
        cheap.slug,
        dear.slug,
    ]


def test_price_bounds_respect_three_decimal_currencies():
    ExchangeRate.objects.create(currency="KWD", per_usd="0.307")
    kuwait = make_location(slug="kuwait", city="Kuwait", country="KW", currency="KWD")
    asset = make_asset("cars", kuwait, base_rate_minor=1_500_000)  # KWD 1,500.000
    # prices compare per day in a display currency (catalog.display_prices): here KWD
    assert slugs(matching(price_min=1500, price_max=1500, currency="KWD")) == [asset.slug]
    assert slugs(matching(price_min=1501, currency="KWD")) == []
    assert slugs(matching(price_min=4885, price_max=4886)) == [asset.slug]  # ≈ USD 4,885.99


def test_sorts(dc):
    a = make_asset("cars", dc, name="Alpha", base_rate_minor=300)
    b = make_asset("cars", dc, name="Bravo", base_rate_minor=100, is_featured=True)
    c = make_asset("cars", dc, name="Charlie", base_rate_minor=200)
    assert slugs(matching(sort=Sort.PRICE_ASC)) == [b.slug, c.slug, a.slug]
    assert slugs(matching(sort=Sort.PRICE_DESC)) == [a.slug, c.slug, b.slug]
    assert slugs(matching(sort=Sort.NAME)) == [a.slug, b.slug, c.slug]
    assert slugs(matching())[0] == b.slug
    assert slugs(matching(sort="nonsense"))[0] == b.slug
    assert slugs(matching(sort=Sort.CATALOGUE)) == slugs(Asset.objects.active())  # Meta


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
