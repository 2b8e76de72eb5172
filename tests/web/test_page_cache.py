"""The page cache of the public pages (midas.web.page_cache): served to anonymous visitors
only, never stale past a write, the same answer in every worker process."""

from __future__ import annotations

import datetime as dt
import gzip
import zoneinfo

import brotli
import pytest
from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache.backends.locmem import LocMemCache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from django.urls import reverse

from midas.bookings.services import release, reserve
from midas.catalog.inventory import import_data
from midas.catalog.models import Asset, CatalogVersion
from midas.catalog.selectors import catalog_version, page_versions
from midas.catalog.services import catalog_version_bump
from midas.errors import AppError
from midas.web import page_cache
from midas.web.page_cache import cache_for_anonymous
from tests.factories import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")


def get(client: Client, url: str, **extra: str) -> tuple[str, str]:
    """(X-Cache, HTML) of a 200 answer."""
    response = client.get(url, **extra)
    assert response.status_code == 200, url
    return response.get("X-Cache", ""), decoded(response)


def decoded(response: HttpResponseBase) -> str:
    """The body as text, whatever Content-Encoding it was sent in."""
    body = response.content
    coding = response.get("Content-Encoding", "")
    if coding == "br":
        body = brotli.decompress(body)
    elif coding == "gzip":
        body = gzip.decompress(body)
    return body.decode()


def day_cell(html: str, day: dt.date) -> str:
    """The calendar cell of ``day``: ``is-free``, ``is-partial`` or ``is-full``."""
    marker = f'data-date="{day:%Y-%m-%d}"'
    head = html[: html.index(marker)]
    return head[head.rindex('class="day ') + len('class="day ') :].split('"')[0]


@pytest.fixture
def public_urls(car) -> list[str]:
    return [
        "/",
        "/collection/",
        "/collection/cars/",
        "/collection/cars/?city=washington-dc&sort=price",
        car.get_absolute_url(),
        car.get_absolute_url() + "?month=2030-01",
        "/about/",  # not /contact/: its form carries a CSRF token (test_the_contact_page...)
        "/faq/",
        "/terms/",
        "/sitemap.xml",
    ]


# --- hits and misses --------------------------------------------------------------------------


def test_every_public_page_is_a_miss_then_a_hit(client, public_urls):
    for url in public_urls:
        state, first = get(client, url)
        assert state == "miss", url
        state, second = get(client, url)
        assert (state, second) == ("hit", first), url


def test_a_hit_costs_one_query_and_varies_on_cookie(client, car, django_assert_num_queries):
    get(client, "/")
    with django_assert_num_queries(1):  # the catalogue version
        response = client.get("/")
    assert response["X-Cache"] == "hit"
    assert "Cookie" in response["Vary"]
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Set-Cookie" not in response


def test_the_key_holds_the_query_string_and_the_encoding_class(client, car):
    assert get(client, "/collection/cars/")[0] == "miss"
    assert get(client, "/collection/cars/?sort=name")[0] == "miss"
    assert get(client, "/collection/cars/?sort=price")[0] == "miss"
    assert get(client, "/collection/cars/", HTTP_ACCEPT_ENCODING="gzip, br")[0] == "miss"
    assert get(client, "/collection/cars/", HTTP_ACCEPT_ENCODING="br")[0] == "hit"
    assert get(client, "/collection/cars/", HTTP_ACCEPT_ENCODING="gzip")[0] == "miss"
    assert get(client, "/collection/cars/", HTTP_ACCEPT_ENCODING="gzip, deflate")[0] == "hit"
    assert get(client, "/collection/cars/?sort=name")[0] == "hit"
    assert get(client, "/collection/cars/")[0] == "hit"


def test_the_time_limit_is_the_backstop(client, car, monkeypatch):
    stored: list[int | None] = []
    real = page_cache.store()

    class Spy:
        def get(self, key: str) -> object:
            return real.get(key)

        def set(self, key: str, value: object, timeout: int | None = None) -> None:
            stored.append(timeout)
            real.set(key, value, timeout)

    monkeypatch.setattr(page_cache, "store", Spy)
    get(client, "/")
    assert stored == [60]


def test_it_can_be_turned_off(client, car, settings):
    settings.PAGE_CACHE_SECONDS = 0
    assert get(client, "/")[0] == "bypass"
    assert get(client, "/")[0] == "bypass"


# --- never one visitor's page for another -----------------------------------------------------


def test_a_signed_in_customer_is_never_served_nor_stored(client, car):
    make_customer()
    assert get(client, "/")[0] == "miss"  # the anonymous copy exists...
    assert client.login(email="ada@example.com", password=PASSWORD)
    for _ in range(2):
        state, html = get(client, "/")
        assert state == "bypass"  # ...but a signed-in customer never gets it
        assert "My account" in html
    client.logout()
    stranger = Client()
    state, html = get(stranger, "/")
    assert state == "hit" and "My account" not in html and "Sign in" in html


def test_a_customers_page_is_not_stored_for_the_next_visitor(client, car):
    make_customer()
    assert client.login(email="ada@example.com", password=PASSWORD)
    assert get(client, car.get_absolute_url())[0] == "bypass"
    state, html = get(Client(), car.get_absolute_url())
    assert state == "miss" and "My account" not in html


@pytest.mark.parametrize(
    "cookie", ["sessionid", CookieStorage.cookie_name], ids=["session", "messages"]
)
def test_a_request_with_a_session_or_messages_cookie_is_rendered_afresh(client, car, cookie):
    get(Client(), "/")  # an anonymous copy is cached
    client.cookies[cookie] = "anything"
    assert get(client, "/")[0] == "bypass"
    assert get(client, "/")[0] == "bypass"


def test_a_request_with_credentials_is_rendered_afresh(client, car):
    get(client, "/")
    assert get(client, "/", HTTP_AUTHORIZATION="Bearer mds_x")[0] == "bypass"


def test_the_contact_page_with_its_form_is_never_cached(client):
    for _ in range(2):
        response = client.get("/contact/")
        assert response.status_code == 200
        assert response.get("X-Cache") != "hit"
        assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_no_public_page_carries_a_csrf_token_or_a_cookie(client, public_urls):
    """What the templates emit today: the quote form is a GET form without a token."""
    for url in public_urls:
        response = client.get(url)
        assert "csrfmiddlewaretoken" not in response.content.decode(), url
        assert not response.cookies, url
    asset_page = client.get(public_urls[4]).content.decode()
    assert '<form class="quote-form" method="get"' in asset_page


def anonymous_request(path: str = "/probe/") -> HttpRequest:
    request = RequestFactory().get(path)
    request.user = AnonymousUser()
    request._messages = CookieStorage(request)
    return request


def counted(render):
    """A view that counts its renders."""
    calls = []

    @cache_for_anonymous
    def view(request: HttpRequest) -> HttpResponse:
        calls.append(1)
        return render(request)

    return view, calls


def with_cookie(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("hello")
    response.set_cookie("seen", "1")
    return response


def with_csrf_token(request: HttpRequest) -> HttpResponse:
    return HttpResponse(f'<input name="csrfmiddlewaretoken" value="{get_token(request)}">')


def with_message(request: HttpRequest) -> HttpResponse:
    messages.info(request, "Welcome back")
    return HttpResponse("hello")


def varying_on_user_agent(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("hello")
    response["Vary"] = "User-Agent"
    return response


def private(request: HttpRequest) -> HttpResponse:
    response = HttpResponse("hello")
    response["Cache-Control"] = "private"
    return response


def not_found(request: HttpRequest) -> HttpResponse:
    return HttpResponse("gone", status=404)


@pytest.mark.parametrize(
    "render",
    [with_cookie, with_csrf_token, with_message, varying_on_user_agent, private, not_found],
)
def test_responses_that_are_not_for_everyone_are_not_stored(render):
    view, calls = counted(render)
    for _ in range(2):
        assert view(anonymous_request())["X-Cache"] == "bypass"
    assert len(calls) == 2


def test_a_plain_response_is_stored():
    view, calls = counted(lambda request: HttpResponse("hello"))
    assert view(anonymous_request())["X-Cache"] == "miss"
    hit = view(anonymous_request())
    assert (hit["X-Cache"], hit.content, len(calls)) == ("hit", b"hello", 1)


# --- live views are never cached --------------------------------------------------------------


def test_the_listing_with_dates_is_always_live(client, car, soon):
    dates = f"?start={soon:%Y-%m-%d}&end={soon + dt.timedelta(days=2):%Y-%m-%d}"
    state, html = get(client, "/collection/cars/" + dates)
    assert state == "bypass" and "Rolls-Royce Cullinan" in html
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    state, html = get(client, "/collection/cars/" + dates)
    assert state == "bypass" and "Rolls-Royce Cullinan" not in html


def test_the_quote_is_always_live(client, car, soon):
    query = f"?start={soon:%Y-%m-%d}T10:00&end={soon + dt.timedelta(days=1):%Y-%m-%d}T10:00"
    state, html = get(client, car.get_absolute_url() + query)
    assert state == "bypass" and "Available for these times" in html
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=2))
    state, html = get(client, car.get_absolute_url() + query)
    assert state == "bypass" and "Already booked" in html


def test_the_quote_api_is_not_touched(client, car, soon):
    body = {
        "asset": car.slug,
        "start": f"{soon:%Y-%m-%d}T10:00",
        "end": f"{soon + dt.timedelta(days=1):%Y-%m-%d}T10:00",
    }
    response = client.post("/api/v1/quotes", body, content_type="application/json")
    assert response.status_code == 200 and "X-Cache" not in response


# --- writes show on the next request ----------------------------------------------------------


def test_a_reservation_and_its_release_show_on_the_next_request(client, car, soon):
    url = car.get_absolute_url() + f"?month={soon:%Y-%m}"
    assert get(client, url)[0] == "miss"
    state, html = get(client, url)
    assert state == "hit" and day_cell(html, soon) == "is-free"

    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    held = reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    state, html = get(client, url)
    assert state == "miss" and day_cell(html, soon) == "is-full"

    release(reservation=held)
    state, html = get(client, url)
    assert state == "miss" and day_cell(html, soon) == "is-free"
    assert get(client, url)[0] == "hit"


def test_a_failed_reservation_does_not_move_the_version(car, soon):
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    before = page_versions()
    with pytest.raises(AppError, match="not available"):
        reserve(asset=car, start=start, end=start + dt.timedelta(hours=5))
    assert page_versions() == before


def asset_form_data(response) -> dict[str, object]:
    """What the admin's change form would post back unchanged (main form and inlines)."""
    forms = [response.context["adminform"].form]
    data: dict[str, object] = {}
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for field in form:
            value = field.value()
            if value is None or value is False:
                continue
            data[field.html_name] = "on" if value is True else value
    return data


def test_a_price_change_in_the_admin_shows_on_the_next_request(client, admin_client, car):
    assert "USD 1,500" in get(client, car.get_absolute_url())[1]
    assert "USD 1,500" in get(client, "/collection/cars/")[1]
    assert get(client, car.get_absolute_url())[0] == "hit"

    change = reverse("admin:catalog_asset_change", args=[car.pk])
    data = asset_form_data(admin_client.get(change))
    data["base_rate_minor"] = "1,750"  # staff type major units (USD 1,750)
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    state, html = get(client, car.get_absolute_url())
    assert state == "miss" and "USD 1,750" in html and "USD 1,500" not in html
    assert "USD 1,750" in get(client, "/collection/cars/")[1]


def test_a_listing_edit_in_the_admin_changelist_shows_on_the_next_request(
    client, admin_client, car
):
    assert "Rolls-Royce Cullinan" in get(client, "/collection/cars/")[1]
    response = admin_client.post(
        reverse("admin:catalog_asset_changelist"),
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": car.pk,
            "form-0-is_featured": "on",  # is_active left out: unticked
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    state, html = get(client, "/collection/cars/")
    assert state == "miss" and "Rolls-Royce Cullinan" not in html
    assert client.get(car.get_absolute_url()).status_code == 404


def test_an_inventory_import_shows_on_the_next_request(client, car):
    assert "USD 1,500" in get(client, car.get_absolute_url())[1]
    import_data({"assets": [{"slug": car.slug, "base_rate_minor": 160_000}]})
    state, html = get(client, car.get_absolute_url())
    assert state == "miss" and "USD 1,600" in html


def test_a_dry_run_import_does_not_move_the_version(car):
    before = catalog_version()
    import_data({"assets": [{"slug": car.slug, "base_rate_minor": 160_000}]}, dry_run=True)
    assert catalog_version() == before


def test_the_version_row_is_made_by_the_first_bump_and_then_moves_on():
    assert not CatalogVersion.objects.exists() and catalog_version() == 0
    catalog_version_bump()
    catalog_version_bump()
    assert catalog_version() == 2 and CatalogVersion.objects.count() == 1


# --- several worker processes, each with its own cache ----------------------------------------


def test_two_processes_with_their_own_caches_stay_consistent(car, soon, monkeypatch):
    """Each gunicorn worker has its own local-memory cache; only the database is shared."""
    caches = {"a": LocMemCache("process-a", {}), "b": LocMemCache("process-b", {})}
    caches["a"].clear()
    caches["b"].clear()
    browser = Client()

    def visit(process: str) -> tuple[str, str]:
        monkeypatch.setattr(page_cache, "store", lambda: caches[process])
        return get(browser, car.get_absolute_url() + f"?month={soon:%Y-%m}")

    assert visit("a")[0] == "miss"
    assert visit("b")[0] == "miss"
    assert visit("a")[0] == "hit"
    assert visit("b")[0] == "hit"

    # a booking made through process a: process b never deleted anything, yet does not
    # serve its old copy
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    held = reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    for process in ("b", "a"):
        state, html = visit(process)
        assert state == "miss" and day_cell(html, soon) == "is-full", process
    assert visit("b")[0] == "hit"

    release(reservation=held)
    caches["a"].clear()  # a restarted worker: empty cache, same database
    for process in ("a", "b"):
        state, html = visit(process)
        assert state == "miss" and day_cell(html, soon) == "is-free", process
    assert visit("a") == visit("b") and visit("a")[0] == "hit"


def test_an_inactive_asset_page_is_not_cached_as_a_404(client, car):
    Asset.objects.filter(pk=car.pk).update(is_active=False)
    assert client.get(car.get_absolute_url()).status_code == 404
    Asset.objects.filter(pk=car.pk).update(is_active=True)
    assert get(client, car.get_absolute_url())[0] == "miss"
