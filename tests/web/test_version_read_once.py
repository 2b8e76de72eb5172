"""The catalogue version is read once per request (``request_catalog_version``): the page
cache and the view it wraps key on the same value, so the first request after a catalogue
write costs one version read, not one per reader."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from midas.catalog.services import catalog_version_bump

pytestmark = pytest.mark.django_db

CARS = "/collection/cars/"
VERSION_READ = re.compile(r"SELECT\s+\"?value\"?\s+FROM\s+\"?catalog_catalogversion", re.I)


def version_reads(queries: CaptureQueriesContext) -> int:
    return sum(1 for query in queries.captured_queries if VERSION_READ.search(query["sql"]))


@pytest.mark.parametrize("url", [CARS, "/collection/", f"{CARS}?city=maryland&sort=price"])
def test_the_first_listing_after_a_write_reads_the_version_once(client, car, url):
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Cache"] == "hit"
    car.base_rate_minor = 2_345_00
    car.save()
    catalog_version_bump()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "USD 2,345" in response.content.decode()  # the write shows at once
    assert version_reads(queries) == 1
    assert len(queries) <= 5, [q["sql"] for q in queries.captured_queries]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url)["X-Cache"] == "hit"
    assert len(queries) == 1


def test_the_first_asset_page_after_a_write_reads_the_version_once(client, car):
    url = car.get_absolute_url()
    assert client.get(url).status_code == 200
    car.summary = "Freshly written summary"
    car.save()
    catalog_version_bump()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response["X-Cache"] == "miss"
    assert "Freshly written summary" in response.content.decode()
    assert version_reads(queries) == 1
