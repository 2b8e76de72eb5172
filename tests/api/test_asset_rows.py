"""``GET /api/v1/assets`` answers from rows serialised once per catalogue version
(``midas.api.rows``): byte for byte what the schema path (the search read live, each page
validated through the declared ``PagedAssetSummaryOut`` and rendered by ninja) answers, and
a catalogue write shows on the next request."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.test import RequestFactory
from ninja.renderers import JSONRenderer

from midas.api import catalog, selectors
from midas.api.catalog import AssetFilters
from midas.api.pagination import LimitOffset
from midas.catalog.models import Asset, ExchangeRate
from midas.catalog.services import catalog_version_bump
from midas.demo import load_demo
from tests.api.conftest import days_ahead

pytestmark = pytest.mark.django_db

URL = "/api/v1/assets"


def schema_body(params: dict[str, str], host: str = "testserver") -> bytes:
    """What the endpoint answered before ``midas.api.rows``: ``@paginate(LimitOffset)`` over
    ``selectors.catalogue_assets`` (no version: every read live), validated by the
    operation's declared 200 schema and rendered by ninja's renderer."""
    request = RequestFactory().get(URL, params, HTTP_HOST=host)
    page_params = {k: v for k, v in params.items() if k in ("limit", "offset")}
    filters = AssetFilters(**{k: v for k, v in params.items() if k not in page_params})
    found = selectors.catalogue_assets(**filters.dict())
    page = LimitOffset().paginate_queryset(found, LimitOffset.Input(**page_params), request)
    page["items"] = list(page["items"])
    model = catalog.router.path_operations["/assets"].operations[0].response_models[200]
    context = {"request": request, "response_status": 200}
    data = model.model_validate({"response": page}, context=context).model_dump()["response"]
    return JSONRenderer().render(request, data, response_status=200).encode()


def test_the_answer_is_byte_identical_to_the_schema_path_on_the_demo(client):
    load_demo()
    ExchangeRate.objects.get_or_create(currency="AED", defaults={"per_usd": "3.6725"})
    catalog_version_bump()
    day = days_ahead(40)
    dates = {"start": str(day), "end": str(day + dt.timedelta(days=3))}
    total = Asset.objects.active().count()
    assert total > 40  # the pages below are real pages
    brand = Asset.objects.active().order_by("brand").values_list("brand", flat=True).first()
    cases = [
        {},
        {"limit": "50"},
        {"limit": "20", "offset": "20"},
        {"limit": "7", "offset": str(total - 3)},
        {"limit": "500"},
        {"limit": "50", "offset": str(total + 10)},  # past the end: no items, the count
        {"category": "cars", "currency": "AED", "sort": "price"},
        {"category": "yachts", "sort": "-price", "limit": "5"},
        {"q": "rolls royce", "limit": "20"},
        {"make": brand.lower().replace(" ", "-"), "sort": "name"},
        {"price_min": "1000", "price_max": "20000", "currency": "AED"},
        {"guests": "6", "sort": "featured"},
        {"city": "dubai", "limit": "50", **dates},
        {"category": "cars", "currency": "AED", **dates},
        {"city": "dubai"},
    ]
    for params in cases:
        expected = schema_body(params)
        for _ in range(2):  # cold (rows serialised), then warm (rows kept)
            response = client.get(URL, params)
            assert response.status_code == 200, (params, response.content)
            assert response["Content-Type"] == "application/json; charset=utf-8"
            assert response.content == expected, params
    body = json.loads(schema_body({"limit": "500", "currency": "AED"}))
    items = body["items"]
    assert body["count"] == total == len(items)
    assert all(item["image"]["url"].startswith("http://testserver/") for item in items)
    assert all(item["approx_day_price"]["currency"] == "AED" for item in items)
    assert json.loads(client.get(URL, {"limit": "500", "currency": "AED"}).content) == body
    # another origin has its own absolute image URLs
    other = client.get(URL, {"limit": "3"}, HTTP_HOST="localhost")
    assert other.content == schema_body({"limit": "3"}, host="localhost")
    assert b"http://localhost/" in other.content and b"testserver" not in other.content


def test_a_price_change_shows_on_the_next_answer(client):
    load_demo()
    first = client.get(URL, {"limit": "500"}).json()["items"][0]
    asset = Asset.objects.get(slug=first["slug"])
    asset.base_rate_minor += 12_345
    asset.save(update_fields=["base_rate_minor"])
    catalog_version_bump()  # what the admin does with the save
    again = client.get(URL, {"limit": "500"}).json()["items"]
    changed = next(item for item in again if item["slug"] == asset.slug)
    assert changed["base_rate"] == first["base_rate"] + 12_345
    assert client.get(URL, {"limit": "500"}).content == schema_body({"limit": "500"})


def test_a_warm_list_costs_the_version_read_and_availability_only(
    client, django_assert_num_queries
):
    load_demo()
    day = days_ahead(40)
    dated = {"city": "dubai", "start": str(day), "end": str(day + dt.timedelta(days=3))}
    for params in ({"limit": "50"}, {"category": "cars", "sort": "price"}, dated):
        client.get(URL, params)
        with django_assert_num_queries(1 if "start" not in params else 2):
            assert client.get(URL, params).status_code == 200


def test_unknown_slugs_are_still_404_with_their_field(client):
    load_demo()
    for _ in range(2):
        response = client.get(URL, {"category": "boats"})
        assert response.status_code == 404
        assert response.json()["field"] == "category"
        assert client.get(URL, {"currency": "XYZ"}).json()["field"] == "currency"
