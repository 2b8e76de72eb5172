"""The catalogue endpoints as a client sees them: lists, filters, pagination, detail."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.bookings.services import release, reserve
from midas.catalog.models import ExchangeRate
from midas.catalog.services import catalog_version_bump
from tests.api.conftest import Catalogue, days_ahead
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def utc(day: dt.date, hour: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["items"]]


def test_locations_list(client, catalogue: Catalogue):
    response = client.get("/api/v1/locations")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    assert [item["slug"] for item in body["items"]] == ["dubai", "washington-dc", "houston"]
    dubai = body["items"][0]
    assert dubai == {
        "slug": "dubai",
        "city": "Dubai",
        "region": "Dubai",
        "country": "AE",
        "timezone": "Asia/Dubai",
        "currency": "AED",
        "tax_rate_bp": 500,
        "service_fee_bp": 0,
        "tagline": "",
    }


def test_categories_list(client, catalogue: Catalogue):
    response = client.get("/api/v1/categories")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 4
    assert [item["slug"] for item in body["items"]] == ["cars", "yachts", "jets", "villas"]
    assert set(body["items"][0]) == {"slug", "name", "singular", "tagline", "description"}


def test_assets_list_shape(client, catalogue: Catalogue):
    response = client.get("/api/v1/assets")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 3
    car = next(item for item in body["items"] if item["slug"] == "aventador")
    assert car["category"] == "cars"
    assert car["home_location"] == {
        "slug": "washington-dc",
        "city": "Washington",
        "timezone": "America/New_York",
    }
    assert car["base_rate"] == 100_000
    assert car["currency"] == "USD"
    assert car["pricing_unit"] == "day"
    assert car["booking_mode"] == "instant"
    assert car["image"]["url"].startswith("http://testserver/")
    assert car["image"]["url"].endswith("cars-1.svg")
    assert (car["image"]["width"], car["image"]["height"]) == (1200, 800)


def test_assets_list_hides_inactive(client, catalogue: Catalogue):
    catalogue.yacht.is_active = False
    catalogue.yacht.save()
    assert "sea-breeze" not in slugs(client.get("/api/v1/assets"))
    assert client.get("/api/v1/assets/sea-breeze").json()["code"] == "not_found"


def test_assets_filter_by_category(client, catalogue: Catalogue):
    response = client.get("/api/v1/assets", {"category": "yachts"})
    assert slugs(response) == ["sea-breeze"]
    assert response.json()["count"] == 1


def test_assets_filter_by_city_includes_delivery(client, catalogue: Catalogue):
    assert sorted(slugs(client.get("/api/v1/assets", {"city": "washington-dc"}))) == [
        "aventador",
        "sea-breeze",
    ]
    # delivered to Houston, homed in DC
    assert slugs(client.get("/api/v1/assets", {"city": "houston"})) == ["aventador"]
    assert slugs(client.get("/api/v1/assets", {"city": "dubai", "category": "cars"})) == ["chiron"]


def test_assets_filter_unknown_slugs_are_404(client, catalogue: Catalogue):
    for params, field in (({"city": "paris"}, "city"), ({"category": "boats"}, "category")):
        response = client.get("/api/v1/assets", params)
        assert response.status_code == 404
        assert response.json() == {
            "code": "not_found",
            "message": response.json()["message"],
            "field": field,
        }


def test_assets_date_filter_excludes_reserved(client, catalogue: Catalogue):
    day = days_ahead(10)
    reserve(asset=catalogue.car, start=utc(day, 15), end=utc(day + dt.timedelta(days=2), 15))
    overlapping = {"start": str(day + dt.timedelta(days=1)), "end": str(day + dt.timedelta(days=3))}
    free = slugs(client.get("/api/v1/assets", {"city": "washington-dc", **overlapping}))
    assert free == ["sea-breeze"]
    later = {"start": str(day + dt.timedelta(days=5)), "end": str(day + dt.timedelta(days=6))}
    assert "aventador" in slugs(client.get("/api/v1/assets", later))


def test_assets_date_filter_counts_the_turnaround(client, catalogue: Catalogue):
    day = days_ahead(10)
    # ends 15:00 UTC; 120 minutes of turnaround keep it busy until 17:00
    reserve(asset=catalogue.car, start=utc(day, 9), end=utc(day, 15))
    inside_buffer = {"start": utc(day, 16).isoformat(), "end": utc(day, 20).isoformat()}
    after_buffer = {"start": utc(day, 17).isoformat(), "end": utc(day, 20).isoformat()}
    assert "aventador" not in slugs(client.get("/api/v1/assets", inside_buffer))
    assert "aventador" in slugs(client.get("/api/v1/assets", after_buffer))


def test_assets_date_filter_reads_bare_dates_in_each_assets_zone(client, catalogue: Catalogue):
    day = days_ahead(10)
    # Busy 20:00-23:00 UTC the day before: in Dubai (UTC+4) that is the early hours of `day`,
    # in Washington (UTC-5/-4) it is the afternoon before.
    before = day - dt.timedelta(days=1)
    reserve(asset=catalogue.dubai_car, start=utc(before, 20), end=utc(before, 23))
    reserve(asset=catalogue.car, start=utc(before, 20), end=utc(before, 23))
    window = {"start": str(day), "end": str(day + dt.timedelta(days=1))}
    free = slugs(client.get("/api/v1/assets", {"category": "cars", **window}))
    assert "chiron" not in free
    assert "aventador" in free


def test_assets_date_filter_needs_both_dates(client, catalogue: Catalogue):
    for params, missing in (({"start": "2030-01-01"}, "end"), ({"end": "2030-01-01"}, "start")):
        response = client.get("/api/v1/assets", params)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_input"
        assert response.json()["field"] == missing


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"start": "garbage", "end": "2030-01-02"}, 400, "invalid_input"),
        ({"start": "2030-01-02", "end": "2030-01-01"}, 422, "invalid_range"),
        ({"start": "2030-01-01", "end": "2031-06-01"}, 422, "range_too_long"),
        ({"start": "1999-01-01", "end": "2030-01-01"}, 400, "invalid_input"),
        ({"category": "not a slug"}, 400, "invalid_input"),
        ({"price_min": "-1"}, 400, "invalid_input"),
        ({"price_max": "100000001"}, 400, "invalid_input"),
        ({"price_min": "cheap"}, 400, "invalid_input"),
        ({"price_min": "10", "price_max": "9"}, 422, "invalid_range"),
        ({"sort": "random"}, 400, "invalid_input"),
    ],
)
def test_assets_bad_filters(client, catalogue: Catalogue, params, status, code):
    response = client.get("/api/v1/assets", params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_assets_filter_by_price_in_whole_major_units(client, catalogue: Catalogue):
    # aventador USD 1,000 / day, sea-breeze USD 2,500 / hour, chiron AED 9,000 / day; compared
    # as USD a day (catalog.display_prices): 1,000, 20,000 (8 hours) and ≈ 2,450.65
    assert slugs(client.get("/api/v1/assets", {"price_min": 2450})) == ["chiron", "sea-breeze"]
    assert slugs(client.get("/api/v1/assets", {"price_min": 2451})) == ["sea-breeze"]
    assert slugs(client.get("/api/v1/assets", {"price_max": 1000})) == ["aventador"]
    both = {"price_min": 1000, "price_max": 1000, "city": "houston"}
    assert slugs(client.get("/api/v1/assets", both)) == ["aventador"]


def test_assets_sort(client, catalogue: Catalogue):
    by_default = slugs(client.get("/api/v1/assets"))
    assert by_default == slugs(client.get("/api/v1/assets", {"sort": "catalogue"}))
    assert by_default == ["chiron", "aventador", "sea-breeze"]  # category, dearest first
    assert slugs(client.get("/api/v1/assets", {"sort": "price"})) == [  # USD a day
        "aventador",  # USD 1,000 / day
        "chiron",  # AED 9,000 / day ≈ USD 2,451
        "sea-breeze",  # USD 2,500 / hour: 8 hours ≈ USD 20,000
    ]
    assert slugs(client.get("/api/v1/assets", {"sort": "-price"}))[0] == "sea-breeze"
    assert slugs(client.get("/api/v1/assets", {"sort": "name"})) == [
        "aventador",
        "chiron",
        "sea-breeze",
    ]


def test_assets_sort_offers_every_order_of_the_search():
    from typing import get_args

    from midas.api.catalog import AssetFilters
    from midas.catalog.selectors import Sort

    annotation = AssetFilters.model_fields["sort"].annotation  # optional: by q, see the doc
    literal = next(arg for arg in get_args(annotation) if arg is not type(None))
    assert set(get_args(literal)) == set(Sort.ALL)


def test_pagination_limit_offset_and_count(client, catalogue: Catalogue):
    for n in range(4):
        make_asset("cars", catalogue.dc, slug=f"extra-car-{n}")
    everything = slugs(client.get("/api/v1/assets", {"limit": 500}))
    assert len(everything) == 7
    page = client.get("/api/v1/assets", {"limit": 3, "offset": 2}).json()
    assert page["count"] == 7
    assert [item["slug"] for item in page["items"]] == everything[2:5]
    past_the_end = client.get("/api/v1/assets", {"offset": 50}).json()
    assert past_the_end == {"items": [], "count": 7}


def test_pagination_default_limit_is_50(client, catalogue: Catalogue):
    for n in range(50):
        make_asset("villas", catalogue.dc, slug=f"villa-{n}")
    body = client.get("/api/v1/assets").json()
    assert body["count"] == 53
    assert len(body["items"]) == 50


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"limit": -1}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "ten"}, "limit"),
        ({"offset": 10**30}, "offset"),
    ],
)
def test_pagination_bounds(client, catalogue: Catalogue, params, field):
    for path in ("/api/v1/assets", "/api/v1/locations", "/api/v1/categories"):
        response = client.get(path, params)
        assert response.status_code == 400
        assert response.json()["code"] == "invalid_input"
        assert response.json()["field"] == field


def test_assets_list_query_count_does_not_grow(
    client, catalogue: Catalogue, django_assert_max_num_queries
):
    for n in range(20):
        asset = make_asset("cars", catalogue.dc, slug=f"bulk-{n}")
        asset.delivery_locations.add(catalogue.houston)
    with django_assert_max_num_queries(3):  # count, page, images
        assert len(client.get("/api/v1/assets").json()["items"]) == 23
    day = days_ahead(10)
    params = {
        "category": "cars",
        "city": "houston",
        "start": str(day),
        "end": str(day + dt.timedelta(days=2)),
    }
    # category, city, candidates, occupancy, count, page, images
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/assets", params).json()["count"] == 21


def test_asset_detail(client, catalogue: Catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):  # asset, images, delivery locations, add-ons
        response = client.get("/api/v1/assets/aventador")
    assert response.status_code == 200
    body = response.json()
    assert body["slug"] == "aventador"
    assert body["category"] == "cars"
    assert body["specs"] == {
        "engine": "6.5 L V12",
        "horsepower": 789,
        "top_speed_kmh": 340,
        "seats": 2,
    }
    assert body["spec_rows"][1] == {"label": "Power", "value": "789 hp"}
    assert body["images"][0]["alt"] == "Aventador"
    assert body["images"][0]["url"].endswith("cars-1.svg")
    assert body["pricing_unit"] == "day"
    assert body["base_rate"] == 100_000
    assert body["currency"] == "USD"
    assert body["security_deposit"] == 500_000
    assert body["delivery_fee"] == 25_000
    assert body["min_duration"] == 1
    assert body["min_notice_hours"] == 24
    assert body["max_advance_days"] == 365
    assert body["min_renter_age"] == 21
    assert body["booking_mode"] == "instant"
    assert body["home_location"]["slug"] == "washington-dc"
    assert [loc["slug"] for loc in body["delivery_locations"]] == ["houston"]
    extras = {extra["code"]: extra for extra in body["extras"]}
    assert extras["insurance"]["amount"] == 15_000
    assert extras["insurance"]["pricing"] == "per_unit"
    assert extras["chauffeur"]["amount"] == 40_000


def test_asset_detail_offers_only_extras_priced_in_its_currency(client, catalogue: Catalogue):
    extras = client.get("/api/v1/assets/chiron").json()["extras"]
    assert [extra["code"] for extra in extras] == ["insurance"]
    assert extras[0]["amount"] == 55_000


def test_asset_detail_unknown_slug(client, catalogue: Catalogue):
    response = client.get("/api/v1/assets/no-such-car")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_availability(client, catalogue: Catalogue, django_assert_max_num_queries):
    day = days_ahead(10)
    reserve(asset=catalogue.car, start=utc(day, 14), end=utc(day + dt.timedelta(days=1), 14))
    window = {"start": str(day - dt.timedelta(days=1)), "end": str(day + dt.timedelta(days=3))}
    with django_assert_max_num_queries(3):  # asset, busy periods, free?
        response = client.get("/api/v1/assets/aventador/availability", window)
    assert response.status_code == 200
    body = response.json()
    assert body["asset"] == "aventador"
    assert body["timezone"] == "America/New_York"
    assert body["free"] is False
    # the busy period runs to the end plus two hours of turnaround, in UTC with an offset
    assert body["busy"] == [
        {
            "start": utc(day, 14).isoformat(),
            "end": utc(day + dt.timedelta(days=1), 16).isoformat(),
        }
    ]
    assert body["start"].endswith("+00:00")


def test_availability_clips_to_window_and_reports_free(client, catalogue: Catalogue):
    day = days_ahead(10)
    reserve(asset=catalogue.car, start=utc(day, 0), end=utc(day + dt.timedelta(days=4), 0))
    clipped = {
        "start": utc(day + dt.timedelta(days=1)).isoformat(),
        "end": utc(day + dt.timedelta(days=2)).isoformat(),
    }
    body = client.get("/api/v1/assets/aventador/availability", clipped).json()
    assert body["busy"] == [{"start": clipped["start"], "end": clipped["end"]}]
    later = {"start": str(day + dt.timedelta(days=8)), "end": str(day + dt.timedelta(days=9))}
    body = client.get("/api/v1/assets/aventador/availability", later).json()
    assert body == {**body, "free": True, "busy": []}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({}, 400, "invalid_input"),
        ({"start": "2030-01-01"}, 400, "invalid_input"),
        ({"start": "soon", "end": "later"}, 400, "invalid_input"),
        ({"start": "2030-01-05", "end": "2030-01-01"}, 422, "invalid_range"),
        ({"start": "2030-01-01", "end": "2031-03-01"}, 422, "range_too_long"),
    ],
)
def test_availability_bad_windows(client, catalogue: Catalogue, params, status, code):
    response = client.get("/api/v1/assets/aventador/availability", params)
    assert response.status_code == status
    assert response.json()["code"] == code


def test_availability_unknown_asset(client, catalogue: Catalogue):
    response = client.get(
        "/api/v1/assets/ghost/availability", {"start": "2030-01-01", "end": "2030-01-02"}
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


# --- Fixed cost, and every change on the next request (whatever is cached per version) ------


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "50"},
        {"limit": "50", "category": "cars", "currency": "AED", "sort": "price"},
        {"limit": "50", "q": "aventador"},
        {"limit": "50", "city": "washington-dc", "start": "DAY", "end": "DAY3"},
    ],
)
def test_assets_list_costs_at_most_five_queries(
    client, catalogue: Catalogue, params, django_assert_max_num_queries
):
    ExchangeRate.objects.get_or_create(currency="AED", defaults={"per_usd": "3.6725"})
    day = days_ahead(10)
    dates = {"DAY": str(day), "DAY3": str(day + dt.timedelta(days=3))}
    params = {name: dates.get(value, value) for name, value in params.items()}
    for _ in range(2):  # cold, then warm
        with django_assert_max_num_queries(5):
            response = client.get("/api/v1/assets", params)
        assert response.status_code == 200, response.content


def test_assets_list_shows_a_price_a_reservation_and_a_deactivation_next(
    client, catalogue: Catalogue
):
    day = days_ahead(10)
    window = {"start": str(day), "end": str(day + dt.timedelta(days=2))}

    def car() -> dict | None:
        items = client.get("/api/v1/assets", {"limit": "50", **window}).json()["items"]
        return next((item for item in items if item["slug"] == "aventador"), None)

    assert car()["base_rate"] == 100_000
    catalogue.car.base_rate_minor = 90_000
    catalogue.car.save(update_fields=["base_rate_minor"])
    catalog_version_bump()  # what the admin does with the save
    assert car()["base_rate"] == 90_000
    held = reserve(asset=catalogue.car, start=utc(day, 15), end=utc(day, 20))  # bumps
    assert car() is None
    release(reservation=held)  # bumps
    assert car() is not None
    catalogue.car.is_active = False
    catalogue.car.save(update_fields=["is_active"])
    catalog_version_bump()
    assert car() is None
