"""The site's header, footer and static links kept per catalogue version (``{% kept %}``),
the catalogue's links reversed once per process (``core.urls.cached_reverse``): what each
visitor sees stays theirs (signed in or not, the section highlighted, the year) and a
catalogue write shows on the next request."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.template import Context, Template, defaulttags
from django.test.utils import CaptureQueriesContext

from midas.bookings.services import reserve
from midas.catalog.models import Category
from midas.catalog.services import catalog_version_bump
from midas.web.templatetags.midas_web import fragments
from tests.factories import make_asset, make_customer

pytestmark = pytest.mark.django_db

CARS = "/collection/cars/"
NY = zoneinfo.ZoneInfo("America/New_York")


def page(client, asset, **params) -> str:
    response = client.get(asset.get_absolute_url() + "?" + urlencode(params))
    assert response.status_code == 200
    return response.content.decode()


def header(response) -> str:
    html = response.content.decode()
    return html[html.index('<header class="site-header">') : html.index("</header>")]


def footer(response) -> str:
    html = response.content.decode()
    return html[html.index('<footer class="site-footer">') : html.index("</footer>")]


def current(html: str) -> list[str]:
    """The names of the header's links marked as the current page."""
    return re.findall(r'aria-current="page">([^<]+)</a>', html)


def test_a_signed_in_visitor_sees_their_navigation_after_an_anonymous_one(client, car):
    dates = "?start=2031-03-01&end=2031-03-04"  # never served from the page cache
    anonymous = header(client.get(CARS + dates))
    assert "Sign in" in anonymous and "My account" not in anonymous
    client.force_login(make_customer())
    signed_in = header(client.get(CARS + dates))
    assert "My bookings" in signed_in and "My account" in signed_in
    assert "Sign in" not in signed_in
    client.logout()
    assert "Sign in" in header(client.get(CARS + dates))


def test_the_section_shown_is_the_one_marked_current(client, car):
    assert current(header(client.get(CARS))) == ["Cars", "Cars"]  # the bar and the menu
    assert current(header(client.get("/collection/yachts/"))) == ["Yachts", "Yachts"]
    assert current(header(client.get("/collection/"))) == []
    assert current(header(client.get(car.get_absolute_url()))) == []


def test_a_renamed_category_shows_in_the_header_and_footer_on_the_next_request(client, car):
    url = car.get_absolute_url() + "?start=2031-03-01&end=2031-03-04"
    response = client.get(url)
    assert ">Cars</a>" in header(response) and ">Cars</a>" in footer(response)
    Category.objects.filter(slug="cars").update(name="Motor cars", slug="motor-cars")
    catalog_version_bump()
    response = client.get(url)
    assert ">Motor cars</a>" in header(response) and ">Cars</a>" not in header(response)
    assert 'href="/collection/motor-cars/"' in footer(response)
    assert ">Motor cars</a>" in footer(response)


def pin_template_clock(monkeypatch, moment: dt.datetime) -> None:
    """``{% now %}`` reads ``datetime.now`` of django.template.defaulttags: pinned."""

    class Pinned(dt.datetime):
        @classmethod
        def now(cls, tz=None):  # type: ignore[override]
            return moment.astimezone(tz)

    monkeypatch.setattr(defaulttags, "datetime", Pinned)


def test_the_footer_year_follows_the_clock(client, car, monkeypatch):
    url = car.get_absolute_url() + "?start=2031-03-01&end=2031-03-04"
    pin_template_clock(monkeypatch, dt.datetime(2030, 12, 31, 12, tzinfo=dt.UTC))
    assert "&copy; 2030 Midas" in footer(client.get(url))
    pin_template_clock(monkeypatch, dt.datetime(2031, 1, 2, 12, tzinfo=dt.UTC))
    assert "&copy; 2031 Midas" in footer(client.get(url))  # same catalogue version


def test_a_kept_block_varies_on_the_values_it_names_and_the_version():
    fragments.clear()
    template = Template('{% load midas_web %}{% kept "t" who %}{{ who }} {{ what }}{% endkept %}')
    render = lambda **values: template.render(Context(values))  # noqa: E731
    assert render(catalog_version=1, who="a", what="x") == "a x"
    assert render(catalog_version=1, who="b", what="x") == "b x"
    assert render(catalog_version=1, who="a", what="y") == "a x"  # kept: what is catalogue data
    assert render(catalog_version=2, who="a", what="y") == "a y"  # a write moved the version
    assert render(who="a", what="z") == "a z"  # no version: rendered every time


def test_each_asset_page_shows_its_own_calendar_gallery_and_sections(client, car, soon):
    other = make_asset("cars", car.home_location, name="Bentley Bentayga", features=["Naim audio"])
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    month = {"month": f"{soon:%Y-%m}"}
    booked = f'class="day is-full" data-date="{soon:%Y-%m-%d}"'
    assert booked not in page(client, car, **month)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    assert booked in page(client, car, **month)  # the next request
    html = page(client, other, **month)  # the same month, nothing booked
    assert booked not in html and f'class="day is-free" data-date="{soon:%Y-%m-%d}"' in html
    assert "Naim audio" in html and "Starlight headliner" not in html
    assert "Starlight headliner" in page(client, car, **month)


def test_an_asset_edit_shows_in_its_sections_and_gallery_on_the_next_request(client, car):
    dates = {"start": "2031-03-05T10:00", "end": "2031-03-06T10:00"}  # never served cached
    html = page(client, car, **dates)
    assert "Starlight headliner" in html and "21 years" in html
    image = car.images.first()
    car.features = ["Champagne cooler"]
    car.min_renter_age = 25
    car.save()
    if image is not None:
        image.alt = "The Cullinan at dusk"
        image.save()
    catalog_version_bump()
    html = page(client, car, **dates)
    assert "<li>Champagne cooler</li>" in html and "<li>Starlight headliner</li>" not in html
    assert "25 years" in html and "21 years" not in html
    if image is not None:
        assert "The Cullinan at dusk" in html


def test_a_listing_with_dates_in_two_time_zones_costs_two_queries_once_read(
    client, car, dubai, soon
):
    make_asset("cars", dubai, name="Dubai Coupe")
    url = f"/collection/?start={soon + dt.timedelta(days=1)}&end={soon + dt.timedelta(days=3)}"
    assert client.get(url).status_code == 200  # the catalogue half read and kept
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    html = response.content.decode()
    assert "Dubai Coupe" in html and "Rolls-Royce Cullinan" in html
    # the catalogue version, then one availability probe for both time zones
    assert len(queries) == 2, [query["sql"] for query in queries.captured_queries]
    start = dt.datetime.combine(soon + dt.timedelta(days=2), dt.time(12), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(hours=3))
    html = client.get(url).content.decode()
    assert "Dubai Coupe" in html and "Rolls-Royce Cullinan" not in html


def filters(response) -> str:
    html = response.content.decode()
    return html[
        html.index('<div class="filter-grid">') : html.index('<p class="fine filter-hint">')
    ]


QUERIES = [
    "",
    "?q=ferrari&sort=price",
    "?city=maryland&start=2031-03-01&end=2031-03-04",
    "?start=2031-03-04&end=2031-03-01",  # an error on the dates
    "?guests=abc&price_min=900&price_max=100",  # errors on two fields
    "?make=Nope&subcategory=%3Cscript%3E",  # unknown choices, escaped
    "?start=2031-03-01&end=2031-03-04&_n=2",  # a parameter the form ignores
]


@pytest.mark.parametrize("query", QUERIES)
def test_the_filter_fields_kept_per_query_are_what_rendering_them_writes(client, car, query):
    """The listing's filter fields come from the memo keyed on the form's values, errors,
    category, currency and earliest day: the same query answers the same fields, byte for
    byte what rendering them afresh writes, and another query never gets its fields."""
    from midas.web.templatetags.midas_web import queries

    url = CARS + query + ("&" if "?" in query else "?") + "start_over=1"
    fresh = filters(client.get(url))
    assert len(queries.values) >= 1
    assert filters(client.get(url)) == fresh  # from the memo
    queries.clear()
    assert filters(client.get(url)) == fresh  # rendered again: the same HTML
    other = filters(client.get(CARS + "?q=lamborghini&start_over=1"))
    assert other != fresh and 'value="lamborghini"' in other


def test_the_filter_fields_follow_the_category_and_the_currency(client, car):
    cars = filters(client.get(CARS + "?start=2031-03-01&end=2031-03-04"))
    everything = filters(client.get("/collection/?start=2031-03-01&end=2031-03-04"))
    assert 'name="category"' in everything and 'name="category"' not in cars
    client.cookies["midas_currency"] = "AED"
    dirhams = filters(client.get(CARS + "?start=2031-03-01&end=2031-03-04"))
    assert "Min AED / day" in dirhams and "Min AED / day" not in cars


def results(response) -> str:
    html = response.content.decode()
    return html[html.index('<div class="results">') : html.index("</main>")]


def test_a_listing_body_is_kept_per_query_and_per_what_the_search_found(client, car, soon):
    """The listing's body (``{% kept "listing" %}``) is kept per address, currency, form and
    the results found on this request: availability is still asked every time, so a change
    that no write announces (here a raw update, as a shell or a restore would make) shows on
    the next request, at the same catalogue version."""
    from midas.bookings.models import Reservation, ReservationStatus
    from midas.catalog.selectors import catalog_version
    from midas.web.templatetags.midas_web import queries

    url = f"{CARS}?start={soon + dt.timedelta(days=1)}&end={soon + dt.timedelta(days=3)}"
    start = dt.datetime.combine(soon + dt.timedelta(days=2), dt.time(12), tzinfo=NY)
    reservation = reserve(asset=car, start=start, end=start + dt.timedelta(hours=3))
    queries.clear()
    busy = results(client.get(url))
    assert "Rolls-Royce Cullinan" not in busy and "0 cars" in busy
    kept = [key for key in queries.values if key[0] == "listing"]
    assert len(kept) == 1
    assert results(client.get(url)) == busy  # the same key: from the memo
    assert [key for key in queries.values if key[0] == "listing"] == kept

    version = catalog_version()
    Reservation.objects.filter(pk=reservation.pk).update(status=ReservationStatus.RELEASED)
    assert catalog_version() == version  # nothing announced the change
    free = results(client.get(url))
    assert "Rolls-Royce Cullinan" in free and "1 car" in free
    queries.clear()
    assert results(client.get(url)) == free  # rendered afresh: the same HTML
    assert results(client.get(url + "&sort=price")) != free  # another address, its own body


def quote_form(html: str) -> str:
    return html[
        html.index('<form class="quote-form"') : html.index(
            "</form>", html.index('<form class="quote-form"')
        )
    ]


def test_the_quote_form_kept_per_what_was_asked_shows_each_visitor_their_own(client, car, soon):
    """The asset page's quote form is kept per asset, version and what was asked (the
    request's fields, the field in error, the times shown, today where it is), not per
    address: a throwaway parameter shares it, another question never gets it."""
    from midas.web.templatetags.midas_web import queries

    asked = {"start": f"{soon}T10:00", "end": f"{soon + dt.timedelta(days=2)}T10:00"}
    queries.clear()
    mine = quote_form(page(client, car, **asked))
    assert f'value="{soon}T10:00"' in mine and "aria-invalid" not in mine
    assert quote_form(page(client, car, **asked, _n="1")) == mine  # the same question
    assert len([key for key in queries.values if key[0] == "quote-form"]) == 1
    blank = quote_form(page(client, car, _n="2"))
    assert 'value=""' in blank and f"{soon}T10:00" not in blank
    backwards = quote_form(page(client, car, start=asked["end"], end=asked["start"]))
    assert 'aria-invalid="true"' in backwards
    month = quote_form(page(client, car, **asked, month=f"{soon:%Y-%m}"))
    assert f'name="month" value="{soon:%Y-%m}"' in month and 'name="month"' not in mine
    queries.clear()
    assert quote_form(page(client, car, **asked)) == mine  # rendered afresh: the same HTML
