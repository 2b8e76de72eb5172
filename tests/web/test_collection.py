from __future__ import annotations

import datetime as dt
import re
import zoneinfo

import pytest

from midas.bookings.services import reserve
from tests.factories import make_asset

pytestmark = pytest.mark.django_db

CARS = "/collection/cars/"


def names(response) -> list[str]:
    """The asset names of the result cards, in order."""
    html = response.content.decode()
    return re.findall(r'<a class="stretched" href="/assets/[^"]*">([^<]+)</a>', html)


def test_category_lists_its_active_assets_with_card_details(client, car, washington):
    make_asset("yachts", washington, name="Sea Breeze")
    make_asset("cars", washington, name="Hidden Car", is_active=False)
    response = client.get(CARS)
    assert response.status_code == 200
    html = response.content.decode()
    assert names(response) == ["Rolls-Royce Cullinan"]
    assert "Rolls-Royce" in html  # brand
    assert "789 hp" in html and "340 km/h" in html  # key specs
    assert "from <strong>USD 1,500</strong>" in html
    assert 'loading="lazy"' in html and 'width="1200"' in html and 'height="800"' in html


def test_all_collection_sends_a_chosen_category_to_its_page(client, car, washington):
    make_asset("yachts", washington, name="Sea Breeze")
    assert sorted(names(client.get("/collection/"))) == ["Rolls-Royce Cullinan", "Sea Breeze"]
    response = client.get("/collection/?category=yachts&city=washington-dc")
    assert response.status_code == 302
    assert response["Location"] == "/collection/yachts/?city=washington-dc"
    assert names(client.get(response["Location"])) == ["Sea Breeze"]
    assert client.get("/collection/?category=").status_code == 200


def test_city_filter_includes_delivery_locations(client, car, dubai, washington, maryland):
    make_asset("cars", dubai, name="Dubai Car")
    assert names(client.get(CARS + "?city=dubai")) == ["Dubai Car"]
    assert names(client.get(CARS + "?city=maryland")) == ["Rolls-Royce Cullinan"]
    assert names(client.get(CARS + "?city=washington-dc")) == ["Rolls-Royce Cullinan"]


def test_dates_exclude_a_reserved_asset(client, car, washington, soon):
    free = make_asset("cars", washington, name="Free Car")
    tz = zoneinfo.ZoneInfo("America/New_York")
    start = dt.datetime.combine(soon, dt.time(10), tzinfo=tz)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=2))
    query = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=1):%Y-%m-%d}"
    assert names(client.get(CARS + query)) == [free.name]
    later = soon + dt.timedelta(days=5)
    query = f"?start={later:%Y-%m-%d}&end={later + dt.timedelta(days=1):%Y-%m-%d}"
    assert sorted(names(client.get(CARS + query))) == sorted([free.name, car.name])


def test_dates_are_read_in_each_assets_own_time_zone(client, dubai, categories, soon):
    asset = make_asset("cars", dubai, name="Dubai Car", turnaround_minutes=0)
    # 01:00 the next morning in Dubai is still "soon" in UTC (21:00)
    tz = zoneinfo.ZoneInfo("Asia/Dubai")
    start = dt.datetime.combine(soon + dt.timedelta(days=1), dt.time(1), tzinfo=tz)
    reserve(asset=asset, start=start, end=start + dt.timedelta(hours=2))
    query = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=1):%Y-%m-%d}"
    assert names(client.get(CARS + query)) == ["Dubai Car"]
    assert names(client.get(CARS + query + "&city=dubai")) == ["Dubai Car"]


def test_card_links_carry_the_chosen_dates_and_city(client, car, soon):
    query = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=1):%Y-%m-%d}&city=maryland"
    html = client.get(CARS + query).content.decode()
    assert f"/assets/{car.slug}/?start={soon:%Y-%m-%d}" in html
    assert "location=maryland#quote" in html


def test_price_filter_uses_major_units_per_unit(client, car, washington):
    make_asset("cars", washington, name="Cheap", base_rate_minor=50_000)  # USD 500
    assert names(client.get(CARS + "?price_max=500")) == ["Cheap"]
    assert names(client.get(CARS + "?price_min=501")) == ["Rolls-Royce Cullinan"]
    assert names(client.get(CARS + "?price_min=500&price_max=1500&sort=price")) == [
        "Cheap",
        "Rolls-Royce Cullinan",
    ]


def test_sort_orders(client, car, washington):
    make_asset("cars", washington, name="Aston Martin DB12", base_rate_minor=90_000)
    make_asset("cars", washington, name="Zonda", base_rate_minor=400_000)
    assert names(client.get(CARS + "?sort=price")) == [
        "Aston Martin DB12",
        "Rolls-Royce Cullinan",
        "Zonda",
    ]
    assert names(client.get(CARS + "?sort=-price")) == [
        "Zonda",
        "Rolls-Royce Cullinan",
        "Aston Martin DB12",
    ]
    assert names(client.get(CARS + "?sort=name")) == [
        "Aston Martin DB12",
        "Rolls-Royce Cullinan",
        "Zonda",
    ]
    # featured first by default
    assert names(client.get(CARS))[0] == "Rolls-Royce Cullinan"


def test_pagination(client, washington, categories):
    for n in range(14):
        make_asset("cars", washington, name=f"Car {n:02d}")
    first = client.get(CARS + "?sort=name")
    assert len(names(first)) == 12
    assert 'href="?sort=name&amp;page=2"' in first.content.decode()
    second = client.get(CARS + "?sort=name&page=2")
    assert names(second) == ["Car 12", "Car 13"]
    assert client.get(CARS + "?page=999").status_code == 200
    assert client.get(CARS + "?page=abc").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "?start=garbage&end=2027-99-99",
        "?start=2027-02-10",
        "?start=2031-02-10&end=2031-02-01",
        "?start=2001-01-01&end=2001-01-03",
        "?start=2030-01-01&end=2032-01-01",
        "?start=9999-12-29&end=9999-12-31",
        "?start=2199-12-29&end=2200-01-02",
        "?city=atlantis",
        "?price_min=abc&price_max=-4",
        "?price_min=900&price_max=100",
        "?price_min=99999999999999999999",
        "?sort=zzz",
        "?category=boats",
        "?start=%00&city=%00",
    ],
)
def test_bad_filters_are_reported_not_500(client, car, query):
    response = client.get(CARS + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'role="alert"' in html
    assert names(response) == ["Rolls-Royce Cullinan"]  # the bad filter is ignored


def test_empty_results_offer_a_way_out(client, car):
    html = client.get(CARS + "?city=washington-dc&price_min=100000").content.decode()
    assert "Nothing matches just yet" in html
    assert "0 cars" in html


def test_listing_query_count_is_bounded(
    client, dubai, washington, categories, soon, django_assert_max_num_queries
):
    for n in range(15):
        asset = make_asset("cars", dubai if n % 2 else washington)
        asset.delivery_locations.add(washington if n % 2 else dubai)
    # without dates: + the catalogue version read by the page cache
    with django_assert_max_num_queries(6):
        assert client.get(CARS).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(CARS + "?city=dubai&sort=price&price_min=1").status_code == 200
    dates = f"start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=2):%Y-%m-%d}"
    with django_assert_max_num_queries(6):
        assert client.get(CARS + "?" + dates).status_code == 200


def test_dates_the_calendar_cannot_read_are_dropped_with_a_message(client, car, soon, monkeypatch):
    from midas.errors import AppError, ErrorCode
    from midas.web import views

    real = views.search_assets

    def picky(filters, **kwargs):
        if filters.has_dates:
            raise AppError(ErrorCode.INVALID_INPUT, "start must be between 2000 and 2200")
        return real(filters, **kwargs)

    monkeypatch.setattr(views, "search_assets", picky)
    query = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=1):%Y-%m-%d}"
    response = client.get(CARS + query)
    assert response.status_code == 200
    assert "start must be between 2000 and 2200" in response.content.decode()
    assert names(response) == ["Rolls-Royce Cullinan"]


# --- The page and GET /api/v1/assets are one search -----------------------------------------


@pytest.fixture
def fleet(dubai, washington, categories, soon):
    """Cars in two cities and zones, one of them delivered across, one busy on ``soon``."""
    zone = zoneinfo.ZoneInfo("Asia/Dubai")
    made = {
        "busy": make_asset("cars", dubai, name="Busy Car", base_rate_minor=200_000),
        "dear": make_asset("cars", dubai, name="Dear Car", base_rate_minor=900_000),
        "cheap": make_asset("cars", dubai, name="Cheap Car", base_rate_minor=50_000),
        "delivered": make_asset("cars", washington, name="Delivered Car", base_rate_minor=300_000),
        "local": make_asset("cars", washington, name="Local Car", base_rate_minor=250_000),
        "yacht": make_asset("yachts", dubai, name="Yacht", base_rate_minor=400_000),
    }
    made["delivered"].delivery_locations.add(dubai)
    # 18:00 to 06:00 in Dubai overnight into ``soon``: overlaps any search that covers it
    start = dt.datetime.combine(soon - dt.timedelta(days=1), dt.time(18), tzinfo=zone)
    reserve(asset=made["busy"], start=start, end=start + dt.timedelta(hours=12))
    return made


def api_names(client, query: dict) -> list[str]:
    response = client.get("/api/v1/assets", query)
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def page_names(client, query: dict) -> list[str]:
    params = {key: value for key, value in query.items() if key != "category"}
    path = f"/collection/{query['category']}/" if "category" in query else "/collection/"
    response = client.get(path, params)
    assert response.status_code == 200
    assert 'role="alert"' not in response.content.decode()  # no filter was dropped
    return names(response)


@pytest.mark.parametrize(
    "criteria",
    [
        {"category": "cars", "city": "dubai"},
        {"category": "cars", "city": "dubai", "dates": True},
        {"category": "cars", "city": "dubai", "dates": True, "price_min": 1000},
        {"category": "cars", "dates": True, "price_min": 1000, "price_max": 3000},
        {"dates": True, "price_max": 2500},
        {"city": "washington-dc", "price_min": 2600},
    ],
)
@pytest.mark.parametrize("sort", ["price", "-price", "name"])
def test_the_page_and_the_api_find_the_same_assets_in_the_same_order(
    client, fleet, soon, criteria, sort
):
    query = {key: value for key, value in criteria.items() if key != "dates"}
    if criteria.get("dates"):
        query |= {"start": f"{soon:%Y-%m-%d}", "end": f"{soon + dt.timedelta(days=2):%Y-%m-%d}"}
    query["sort"] = sort
    assert page_names(client, query) == api_names(client, query)


def test_the_same_search_excludes_the_busy_car_and_the_prices_outside(client, fleet, soon):
    dates = {"start": f"{soon:%Y-%m-%d}", "end": f"{soon + dt.timedelta(days=1):%Y-%m-%d}"}
    # prices compare as USD a day: Cheap is AED 500 (≈ USD 136), Busy AED 2,000 (≈ USD 545)
    query = {"category": "cars", "city": "dubai", "price_min": 500, "sort": "name", **dates}
    expected = ["Dear Car", "Delivered Car"]  # not Busy (booked), not Cheap (too cheap)
    assert page_names(client, query) == api_names(client, query) == expected
    later = {
        "start": f"{soon + dt.timedelta(days=3):%Y-%m-%d}",
        "end": f"{soon + dt.timedelta(days=4):%Y-%m-%d}",
    }
    query |= later
    assert page_names(client, query) == api_names(client, query) == ["Busy Car", *expected]


def test_a_listing_costs_at_most_five_queries_once_the_catalogue_is_read(
    client, dubai, washington, categories, soon, django_assert_max_num_queries
):
    for n in range(15):
        asset = make_asset("cars", dubai if n % 2 else washington)
        asset.delivery_locations.add(washington if n % 2 else dubai)
    dates = f"start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=2):%Y-%m-%d}"
    for query in ("", "?city=dubai", f"?{dates}", f"?city=dubai&{dates}", "?sort=price"):
        client.get(CARS + query + ("&" if "?" in query else "?") + "page=1")  # reads them
        # the catalogue version (twice without dates: the page cache, the view), and with
        # dates one occupancy query per time zone: nothing else is asked again
        with django_assert_max_num_queries(5):
            assert client.get(CARS + query).status_code == 200


def test_catalogue_reads_kept_per_version_never_hide_a_write(client, car, washington, soon):
    """The listing keeps its catalogue half (cards, categories, cities) per catalogue
    version: a write that moves the version shows on the next request, with dates or not."""
    from midas.catalog.services import catalog_version_bump

    dates = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=2):%Y-%m-%d}"
    assert names(client.get(CARS + dates)) == [car.name]
    other = make_asset("cars", washington, name="Newly Listed")
    catalog_version_bump()
    assert other.name in names(client.get(CARS + dates))
    car.base_rate_minor = 123_456_00
    car.save()
    catalog_version_bump()
    assert "123,456" in client.get(CARS + dates + "&page=1").content.decode()
    start = dt.datetime.combine(soon, dt.time(10), tzinfo=car.home_location.tz)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=2))  # moves it too
    assert names(client.get(CARS + dates)) == ["Newly Listed"]
