"""The collection page's search box, make, body-style and guests filters, and the display
currency a visitor chooses (issue 13, item 4), as a visitor sees them."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from midas.catalog.display_prices import COOKIE
from tests.factories import make_asset

pytestmark = pytest.mark.django_db

CARS = "/collection/cars/"


def names(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<a class="stretched" href="/assets/[^"]*">([^<]+)</a>', html)


@pytest.fixture
def fleet(car, dubai, washington):
    """The ``car`` (Rolls-Royce Cullinan, USD 1,500 a day, 2 seats) and others."""
    car.model_name, car.subcategory = "Cullinan", "suv"
    car.specs = {**car.specs, "seats": 5}
    car.save()
    return {
        "car": car,
        "phantom": make_asset(
            "cars",
            dubai,
            name="Rolls-Royce Phantom",
            brand="Rolls-Royce",
            model_name="Phantom",
            subcategory="sedan",
            pricing_unit="hour",
            base_rate_minor=110_000,  # AED 1,100 / hour
        ),
        "bentley": make_asset(
            "cars",
            washington,
            name="Bentley Flying Spur",
            brand="Bentley",
            subcategory="sedan",
            base_rate_minor=120_000,  # USD 1,200 / day
            description="Quieter than a Rolls-Royce, some say.",
        ),
        "porsche": make_asset(
            "cars",
            washington,
            name="Porsche 911",
            brand="Porsche",
            subcategory="supercar",
            base_rate_minor=100_000,  # USD 1,000 / day
            features=["Sport Chrono package"],
        ),
        "yacht": make_asset("yachts", dubai, name="Sea Breeze", brand="Azimut"),
    }


@pytest.mark.parametrize("typed", ["Rolls-Royce", "rolls royce", "rols royce"])
def test_the_search_box_finds_the_rolls_royces_first(client, fleet, typed):
    response = client.get("/collection/", {"q": typed})
    assert response.status_code == 200
    found = names(response)
    assert set(found[:2]) == {"Rolls-Royce Cullinan", "Rolls-Royce Phantom"}
    assert found[2:] == ["Bentley Flying Spur"]  # it only mentions one
    html = response.content.decode()
    assert f'value="{typed}"' in html and 'type="search"' in html
    assert f"matching &ldquo;{typed}&rdquo;" in html


def test_features_are_searched_and_nothing_found_says_so(client, fleet):
    assert names(client.get(CARS, {"q": "chrono"})) == ["Porsche 911"]
    html = client.get(CARS, {"q": "submarine"}).content.decode()
    assert "Nothing matches just yet" in html


def test_filters_by_make_body_style_and_guests(client, fleet):
    assert names(client.get(CARS, {"make": "rolls-royce", "sort": "name"})) == [
        "Rolls-Royce Cullinan",
        "Rolls-Royce Phantom",
    ]
    assert names(client.get(CARS, {"subcategory": "sedan", "sort": "name"})) == [
        "Bentley Flying Spur",
        "Rolls-Royce Phantom",
    ]
    assert names(client.get(CARS, {"guests": 5})) == ["Rolls-Royce Cullinan"]
    assert names(client.get("/collection/yachts/", {"guests": 12})) == ["Sea Breeze"]
    assert names(client.get("/collection/yachts/", {"guests": 13})) == []
    html = client.get(CARS).content.decode()
    assert '<option value="rolls-royce">Rolls-Royce</option>' in html
    assert '<option value="suv">SUV</option>' in html
    assert "Azimut" not in html.split('id="id_make"')[1].split("</select>")[0]  # a yacht's


@pytest.mark.parametrize(
    "query",
    [
        "?make=bugatti",
        "?make=azimut",  # a yacht's make on the cars' page
        "?subcategory=spaceship",
        "?subcategory=mega",  # a yacht's class on the cars' page
        "?guests=0",
        "?guests=many",
        "?guests=100000",
        "?q=" + "x" * 201,
    ],
)
def test_bad_filters_are_reported_not_500(client, fleet, query):
    response = client.get(CARS + query)
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert len(names(response)) == 4  # the bad filter is left out


def test_prices_sort_and_filter_as_a_day_in_one_currency(client, fleet):
    # USD a day: Porsche 1,000, Bentley 1,200, Cullinan 1,500, Phantom 8 h x AED 1,100 ≈ 2,396
    assert names(client.get(CARS, {"sort": "price"})) == [
        "Porsche 911",
        "Bentley Flying Spur",
        "Rolls-Royce Cullinan",
        "Rolls-Royce Phantom",
    ]
    assert names(client.get(CARS, {"price_min": 2000})) == ["Rolls-Royce Phantom"]
    html = client.get(CARS).content.decode()
    assert "from <strong>AED 1,100</strong>" in html  # the price as charged
    assert '&asymp;</abbr> USD 2,396 <span class="per">/ day' in html  # compared
    assert "Min USD / day" in html
    assert "You are always charged in the city&rsquo;s currency." in html


def test_the_display_currency_is_chosen_on_the_page_and_remembered(client, fleet):
    html = client.get(CARS).content.decode()
    assert 'action="/currency/"' in html and '<option value="AED">AED</option>' in html
    response = client.get("/currency/", {"currency": "aed", "next": CARS + "?sort=price"})
    assert response.status_code == 302 and response["Location"] == CARS + "?sort=price"
    assert response.cookies[COOKIE].value == "AED"
    page = client.get(response["Location"])
    html = page.content.decode()
    assert '<option value="AED" selected>AED</option>' in html
    assert "Min AED / day" in html
    # USD 1,500 a day ≈ AED 5,509; the Phantom is in AED by the day: AED 8,800
    assert '&asymp;</abbr> AED 5,509 <span class="per">/ day' in html
    assert '&asymp;</abbr> AED 8,800 <span class="per">/ day' in html
    assert "from <strong>USD 1,500</strong>" in html  # still charged in dollars
    assert names(client.get(CARS, {"price_max": 5509})) == [
        "Rolls-Royce Cullinan",  # featured first
        "Bentley Flying Spur",
        "Porsche 911",
    ]


def test_an_unknown_currency_or_a_foreign_next_is_ignored(client, fleet):
    response = client.get("/currency/", {"currency": "XYZ", "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/collection/"
    assert COOKIE not in response.cookies
    client.cookies[COOKIE] = "ZZZ"  # a cookie from before the rate was removed
    html = client.get(CARS).content.decode()
    assert '<option value="USD" selected>USD</option>' in html


def test_the_quote_stays_in_the_assets_currency(client, fleet, soon):
    client.get("/currency/", {"currency": "USD"})
    phantom = fleet["phantom"]
    start = f"{soon:%Y-%m-%d}T10:00"
    end = f"{soon:%Y-%m-%d}T14:00"
    response = client.get(phantom.get_absolute_url(), {"start": start, "end": end})
    html = response.content.decode()
    result = html.split('id="quote-result"')[1].split("<template")[0]
    assert "AED 4,400" in result  # 4 hours x AED 1,100, as charged
    assert "USD" not in result


def test_the_page_cache_keeps_one_page_per_display_currency(client, fleet):
    first = client.get(CARS)
    assert first["X-Cache"] == "miss" and "&asymp;</abbr> USD 2,396" in first.content.decode()
    assert client.get(CARS)["X-Cache"] == "hit"
    client.cookies[COOKIE] = "AED"
    in_aed = client.get(CARS)
    assert in_aed["X-Cache"] == "miss"  # not the dollar page from the cache
    assert "&asymp;</abbr> AED 5,509" in in_aed.content.decode()
    assert client.get(CARS)["X-Cache"] == "hit"
    searched = client.get(CARS, {"q": "porsche"})
    assert searched["X-Cache"] == "miss" and names(searched) == ["Porsche 911"]
    assert names(client.get(CARS, {"q": "bentley"})) == ["Bentley Flying Spur"]


def test_query_counts_stay_bounded_with_every_filter(
    client, fleet, soon, django_assert_max_num_queries
):
    for n in range(12):
        make_asset("cars", fleet["car"].home_location, brand=f"Marque {n}", subcategory="suv")
    client.cookies[COOKIE] = "AED"
    # version, categories with makes and rates, cities, count, page, images
    with django_assert_max_num_queries(6):
        assert client.get(CARS, {"make": "marque-3", "subcategory": "suv"}).status_code == 200
    # + the makes' words (for typos) and the text search
    with django_assert_max_num_queries(8):
        response = client.get(CARS, {"q": "rols royce", "sort": "price"})
        assert names(response) == [
            "Bentley Flying Spur",  # mentions a Rolls-Royce: found, and cheapest
            "Rolls-Royce Cullinan",
            "Rolls-Royce Phantom",
        ]
    dates = {"start": f"{soon:%Y-%m-%d}", "end": f"{soon + dt.timedelta(days=2):%Y-%m-%d}"}
    with django_assert_max_num_queries(6):
        assert client.get(CARS, {"guests": 4, **dates}).status_code == 200


def test_the_asset_page_shows_the_day_price_in_the_chosen_currency(client, fleet):
    phantom, car = fleet["phantom"], fleet["car"]
    html = client.get(phantom.get_absolute_url()).content.decode()
    assert "from <strong>AED 1,100</strong> / hour" in html
    assert "&asymp;</abbr> USD 2,396 / day, to compare; charged in AED" in html
    assert "asset-approx" not in client.get(car.get_absolute_url()).content.decode()  # USD/day
    client.cookies[COOKIE] = "AED"
    html = client.get(car.get_absolute_url()).content.decode()
    assert "&asymp;</abbr> AED 5,509 / day, to compare; charged in USD" in html
    client.cookies[COOKIE] = "XYZ"  # no such rate: no figure rather than a wrong one
    assert "asset-approx" not in client.get(phantom.get_absolute_url()).content.decode()


def test_the_sort_list_shows_the_order_used(client, fleet):
    def first_option(html: str) -> str:
        select = html.split('id="id_sort"')[1].split("</select>")[0]
        return re.findall(r">([^<]+)</option>", select)[0]

    assert first_option(client.get(CARS, {"q": "rolls"}).content.decode()) == "Best match"
    assert first_option(client.get(CARS).content.decode()) == "Featured"
    assert client.get(CARS, {"sort": "relevance"}).status_code == 200  # featured, no text
