"""Compressed public pages through the whole stack: the page cache stores each variant
compressed once, with an ETag that still answers If-None-Match with 304."""

from __future__ import annotations

import gzip

import brotli
import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_cached_page_is_sent_in_brotli_or_gzip_as_asked(client: Client, car):
    br = client.get("/collection/cars/", HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert br["Content-Encoding"] == "br"
    assert br["X-Cache"] == "miss"
    html = brotli.decompress(br.content).decode()
    assert "Rolls-Royce Cullinan" in html
    again = client.get("/collection/cars/", HTTP_ACCEPT_ENCODING="br")
    assert (again["X-Cache"], again["Content-Encoding"]) == ("hit", "br")
    assert brotli.decompress(again.content).decode() == html

    gz = client.get("/collection/cars/", HTTP_ACCEPT_ENCODING="gzip")
    assert gz["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz.content).decode() == html
    plain = client.get("/collection/cars/")
    assert not plain.has_header("Content-Encoding")
    assert plain.content.decode() == html

    for response in (br, again, gz, plain):
        vary = {v.strip().lower() for v in response["Vary"].split(",")}
        assert {"accept-encoding", "cookie"} <= vary
    # the identity body's ETag is strong; each compressed variant's is the same one, weakened
    assert plain["ETag"].startswith('"')
    assert br["ETag"] == gz["ETag"] == "W/" + plain["ETag"]


@pytest.mark.parametrize("accept", ["br", "gzip", ""])
def test_if_none_match_answers_304_on_a_cached_compressed_page(client: Client, car, accept):
    first = client.get("/", HTTP_ACCEPT_ENCODING=accept)
    etag = first["ETag"]
    for state in ("hit", "hit"):
        response = client.get("/", HTTP_ACCEPT_ENCODING=accept, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 304
        assert response["X-Cache"] == state
        assert response["ETag"] == etag
        assert response.content == b""
    # the identity ETag matches a compressed variant too (If-None-Match compares weakly)
    strong = etag.removeprefix("W/")
    assert (
        client.get("/", HTTP_ACCEPT_ENCODING=accept, HTTP_IF_NONE_MATCH=strong).status_code == 304
    )
    stale = client.get("/", HTTP_ACCEPT_ENCODING=accept, HTTP_IF_NONE_MATCH='"other"')
    assert stale.status_code == 200


def test_a_write_moves_the_etag(client: Client, car):
    from midas.catalog.services import catalog_version_bump

    etag = client.get("/collection/cars/", HTTP_ACCEPT_ENCODING="br")["ETag"]
    car.name = "Rolls-Royce Phantom"
    car.save()
    catalog_version_bump()
    response = client.get("/collection/cars/", HTTP_ACCEPT_ENCODING="br", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200
    assert "Rolls-Royce Phantom" in brotli.decompress(response.content).decode()


def test_the_json_api_is_compressed(client: Client, car):
    response = client.get("/api/v1/assets?limit=50", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "br"
    assert b"rolls-royce-cullinan" in brotli.decompress(response.content)
