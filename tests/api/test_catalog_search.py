"""GET /api/v1/assets: text, make, body style, guests and the display currency of the price
filter (issue 13, item 4): the collection page's search, as a client sees it."""

from __future__ import annotations

import pytest

from midas.catalog.models import ExchangeRate
from tests.api.conftest import Catalogue
from tests.factories import make_asset

pytestmark = pytest.mark.django_db


def slugs(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["items"]]


@pytest.fixture
def rolls(catalogue: Catalogue):
    return make_asset(
        "cars",
        catalogue.dubai,
        slug="cullinan",
        name="Rolls-Royce Cullinan",
        brand="Rolls-Royce",
        model_name="Cullinan",
        subcategory="suv",
        specs={"engine": "6.75 L V12", "horsepower": 563, "top_speed_kmh": 250, "seats": 5},
        base_rate_minor=810_000,  # AED 8,100 / day
        features=["Starlight headliner"],
    )


@pytest.mark.parametrize("typed", ["Rolls-Royce", "rolls royce", "rols royce", "starlight"])
def test_q_finds_by_words_best_first(client, rolls, typed):
    assert slugs(client.get("/api/v1/assets", {"q": typed})) == ["cullinan"]


def test_make_body_style_and_guests(client, catalogue: Catalogue, rolls):
    assert slugs(client.get("/api/v1/assets", {"make": "rolls-royce"})) == ["cullinan"]
    assert slugs(client.get("/api/v1/assets", {"subcategory": "suv"})) == ["cullinan"]
    assert slugs(client.get("/api/v1/assets", {"subcategory": "mega"})) == []
    assert slugs(client.get("/api/v1/assets", {"guests": 5, "category": "cars"})) == ["cullinan"]
    assert "sea-breeze" in slugs(client.get("/api/v1/assets", {"guests": 12}))  # yacht guests


def test_approx_day_price_in_the_currency_asked(client, rolls):
    items = {i["slug"]: i for i in client.get("/api/v1/assets").json()["items"]}
    assert items["cullinan"]["base_rate"] == 810_000 and items["cullinan"]["currency"] == "AED"
    assert items["cullinan"]["approx_day_price"] == {"amount": 220_558, "currency": "USD"}
    assert items["sea-breeze"]["approx_day_price"] == {"amount": 2_000_000, "currency": "USD"}
    in_aed = {
        i["slug"]: i for i in client.get("/api/v1/assets", {"currency": "AED"}).json()["items"]
    }
    assert in_aed["cullinan"]["approx_day_price"] == {"amount": 810_000, "currency": "AED"}
    assert in_aed["aventador"]["approx_day_price"] == {"amount": 367_250, "currency": "AED"}
    # the price filter is in the same currency
    both = {"currency": "AED", "price_min": 3672, "price_max": 3673}
    assert slugs(client.get("/api/v1/assets", both)) == ["aventador"]


def test_a_currency_staff_added_can_be_asked_for(client, rolls):
    ExchangeRate.objects.create(currency="EUR", per_usd="0.9")
    items = {
        i["slug"]: i for i in client.get("/api/v1/assets", {"currency": "EUR"}).json()["items"]
    }
    assert items["aventador"]["approx_day_price"] == {"amount": 90_000, "currency": "EUR"}


@pytest.mark.parametrize(
    ("params", "status", "code", "field"),
    [
        ({"make": "bugatti"}, 404, "not_found", "make"),
        ({"currency": "XYZ"}, 404, "not_found", "currency"),
        ({"currency": "usd1"}, 400, "invalid_input", "currency"),
        ({"subcategory": "spaceship"}, 400, "invalid_input", "subcategory"),
        ({"guests": "0"}, 400, "invalid_input", "guests"),
        ({"guests": "lots"}, 400, "invalid_input", "guests"),
        ({"q": "x" * 201}, 400, "invalid_input", "q"),
        ({"sort": "best"}, 400, "invalid_input", "sort"),
    ],
)
def test_bad_values_are_4xx_with_a_code(client, catalogue: Catalogue, params, status, code, field):
    response = client.get("/api/v1/assets", params)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["field"] == field


def test_the_query_count_does_not_grow_with_the_new_filters(
    client, catalogue: Catalogue, rolls, django_assert_max_num_queries
):
    for n in range(10):
        make_asset("cars", catalogue.dc, slug=f"bulk-{n}", subcategory="suv")
    with django_assert_max_num_queries(3):  # count, page, images: rates are in the page query
        assert client.get("/api/v1/assets", {"subcategory": "suv", "guests": 2}).json()["count"]
    with django_assert_max_num_queries(5):  # + the makes' words and the text search
        assert client.get("/api/v1/assets", {"q": "rols"}).json()["count"] == 1
