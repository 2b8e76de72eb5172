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
VERSION_READ = re.compile(r"SELECT\s+(id,\s*)?\"?value\"?\s+FROM\s+\"?catalog_catalogversion", re.I)


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


def test_a_reservation_moves_the_pages_on_but_keeps_the_catalogue_reads(client, car):
    """A booking moves the calendars' version only: the cached pages render afresh (the
    asset page shows its calendar), from the catalogue reads each process already holds."""
    import datetime as dt

    from midas.bookings.services.slots import reserve
    from midas.catalog.selectors import page_versions

    assert client.get(CARS).status_code == 200
    contents, calendars = page_versions()
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=40)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    assert page_versions() == (contents, calendars + 1)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CARS)
    assert response["X-Cache"] == "miss"  # rendered afresh...
    assert version_reads(queries) == 1
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]  # ...from memory
