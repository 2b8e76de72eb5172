"""The pages a process keeps in its own memory in front of the shared cache
(``page_cache.LocalFirst``): a hit answers the same bytes and headers as the miss that
stored it, 304s still work, and a catalogue write or the time limit still shows a new page."""

from __future__ import annotations

import pytest
from django.core.cache.backends.locmem import LocMemCache

from midas.catalog.services import catalog_version_bump
from midas.web import page_cache

pytestmark = pytest.mark.django_db

URLS = ["/", "/collection/", "/collection/cars/?sort=price", "/about/"]
CODINGS = ["", "gzip", "gzip, deflate, br"]


def headers(response) -> dict[str, str]:
    return {n: v for n, v in response.items() if n not in ("X-Cache", "X-Request-ID")}


@pytest.mark.parametrize("coding", CODINGS)
def test_a_hit_answers_the_bytes_and_headers_of_the_miss(client, car, coding):
    for url in [*URLS, car.get_absolute_url()]:
        miss = client.get(url, HTTP_ACCEPT_ENCODING=coding)
        hit = client.get(url, HTTP_ACCEPT_ENCODING=coding)
        assert (miss["X-Cache"], hit["X-Cache"]) == ("miss", "hit"), url
        assert hit.content == miss.content, url
        assert headers(hit) == headers(miss), url
        vary = [part.strip() for part in hit["Vary"].split(",")]
        assert "Accept-Encoding" in vary and "Cookie" in vary
        etag = hit["ETag"]
        assert etag.startswith('W/"' if coding else '"')
        not_modified = client.get(url, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH=etag)
        assert not_modified.status_code == 304 and not_modified.content == b""
        assert not_modified["ETag"] == etag and not_modified["Vary"] == hit["Vary"]
        other = client.get(url, HTTP_ACCEPT_ENCODING=coding, HTTP_IF_NONE_MATCH='"other"')
        assert other.status_code == 200 and other.content == miss.content


def test_a_hit_from_memory_does_not_ask_the_shared_cache(client, car, monkeypatch):
    asked: list[str] = []
    real = page_cache.LocalFirst.shared

    class Spy:
        def get(self, key: str) -> object:
            asked.append(key)
            return real().get(key)

        def set(self, key: str, value: object, timeout: int | None = None) -> None:
            real().set(key, value, timeout)

    monkeypatch.setattr(page_cache.LocalFirst, "shared", staticmethod(Spy))
    assert client.get("/")["X-Cache"] == "miss"
    assert len(asked) == 1
    for _ in range(3):
        assert client.get("/")["X-Cache"] == "hit"
    assert len(asked) == 1


def test_a_page_another_process_stored_is_served_then_kept(client, car, monkeypatch):
    shared = LocMemCache("shared-between-processes", {})
    shared.clear()
    monkeypatch.setattr(page_cache.LocalFirst, "shared", staticmethod(lambda: shared))
    first = client.get("/collection/")
    assert first["X-Cache"] == "miss"
    page_cache.local_first.clear()  # another process: same shared cache, empty memory
    again = client.get("/collection/")
    assert again["X-Cache"] == "hit" and again.content == first.content
    shared.clear()
    assert client.get("/collection/")["X-Cache"] == "hit"  # now from this process's memory


def test_a_catalogue_write_shows_on_the_next_request(client, car):
    assert client.get("/collection/cars/")["X-Cache"] == "miss"
    assert client.get("/collection/cars/")["X-Cache"] == "hit"
    car.name = "Renamed In The Admin"
    car.save()
    catalog_version_bump()
    response = client.get("/collection/cars/")
    assert response["X-Cache"] == "miss"
    assert "Renamed In The Admin" in response.content.decode()
    assert client.get("/collection/cars/")["X-Cache"] == "hit"


def test_the_time_limit_holds_for_the_copy_in_memory(client, car, monkeypatch, settings):
    settings.PAGE_CACHE_SECONDS = 60
    now = [1_800_000_000.0]
    monkeypatch.setattr(page_cache.time, "time", lambda: now[0])
    assert client.get("/faq/")["X-Cache"] == "miss"
    now[0] += 59
    assert client.get("/faq/")["X-Cache"] == "hit"
    now[0] += 2  # past the page's expiry: neither copy serves it
    assert client.get("/faq/")["X-Cache"] == "miss"
    assert client.get("/faq/")["X-Cache"] == "hit"


def test_a_page_stored_before_the_expiry_was_kept_is_still_served(client, car):
    response = client.get("/about/")
    key = next(k for k in page_cache.local_first.pages)
    status, stored_headers, body, _ = page_cache.local_first.pages[key]
    page_cache.local_first.clear()
    old = [(n, v) for n, v in stored_headers if n != "Vary"] + [("Vary", "Accept-Encoding")]
    page_cache.LocalFirst.shared().set(key, (status, old, body), 60)
    hit = client.get("/about/")
    assert hit["X-Cache"] == "hit" and hit.content == response.content
    assert hit["Vary"] == "Accept-Encoding, Cookie"
