from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from midas.bookings.pricing import quote
from midas.bookings.services import reserve
from midas.catalog.models import BookingMode
from midas.core.ranges import parse_instant
from midas.money import format_money
from tests.factories import make_addon, make_asset

pytestmark = pytest.mark.django_db

NY = zoneinfo.ZoneInfo("America/New_York")


def page(client, asset, **params) -> str:
    response = client.get(asset.get_absolute_url() + ("?" + urlencode(params, doseq=True)))
    assert response.status_code == 200
    return response.content.decode()


def test_reverse_by_slug_works(car):
    assert car.get_absolute_url() == "/assets/rolls-royce-cullinan/"


def test_asset_page_shows_gallery_specs_features_description_and_terms(client, car):
    html = page(client, car)
    assert "<h1" in html and "Rolls-Royce Cullinan" in html
    assert 'fetchpriority="high"' in html  # the lead image
    assert "Starlight headliner" in html and "Rear theatre" in html
    assert "<p>Chauffeur on request.</p>" in html
    for label, value in car.spec_rows:
        assert f'<th scope="row">{label}</th><td>{value}</td>' in html
    assert "USD 5,000" in html  # deposit
    assert "21 years" in html
    assert "At least 24 hours before the start" in html
    assert "Instant book" in html
    assert "Maryland" in html  # delivered there


def test_request_to_book_is_explained(client, washington, categories):
    yacht = make_asset("yachts", washington, booking_mode=BookingMode.REQUEST)
    html = page(client, yacht)
    assert "Request to book" in html
    assert "nothing is charged until then" in html


def test_seo_tags_use_the_first_image(client, car):
    html = page(client, car)
    assert (
        '<meta property="og:image" content="https://midas.example/static/midas/art/cars-1.svg">'
        in html
    )
    assert (
        '<link rel="canonical" href="https://midas.example/assets/rolls-royce-cullinan/">' in html
    )
    assert "Rolls-Royce Cullinan · Car in Washington DC · Midas The Lifestyle" in html


def test_calendar_marks_busy_days_in_words(client, car, soon):
    start = dt.datetime.combine(soon, dt.time(0), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))  # full, then turnaround
    html = page(client, car, month=f"{soon:%Y-%m}")
    assert f'class="day is-full" data-date="{soon:%Y-%m-%d}"' in html
    following = soon + dt.timedelta(days=1)
    if following.month == soon.month:
        assert f'class="day is-partial" data-date="{following:%Y-%m-%d}"' in html
        assert "Partly booked" in html
    assert f"{soon:%B}: Booked" in html
    assert "Available" in html  # legend and free days, not colour alone


def test_calendar_month_navigation(client, car):
    today = timezone.now().astimezone(NY).date()
    html = page(client, car)
    assert f"{today:%B %Y}" in html
    following = (today.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
    assert f"month={following:%Y-%m}#availability" in html
    html = page(client, car, month=f"{following:%Y-%m}")
    assert f"{following:%B %Y}" in html
    assert f"month={today:%Y-%m}#availability" in html  # back again


def test_calendar_opens_on_the_quoted_month(client, car):
    car.max_advance_days = 3650
    car.save()
    html = page(client, car, start="2031-03-05T10:00", end="2031-03-06T10:00")
    assert "March 2031" in html
    assert "showing this month instead" not in html


@pytest.mark.parametrize("month", ["2027-13", "garbage", "1999-01", "9999-12", "0000-00", "2027-1"])
def test_bad_months_fall_back_to_this_month(client, car, month):
    html = page(client, car, month=month)
    assert "showing this month instead" in html


def test_quote_for_valid_dates_matches_the_pricing_service(client, car, soon):
    make_addon("insurance", amounts={"USD": 20_000}, name="Premium insurance")
    start, end = f"{soon:%Y-%m-%d}T10:00", f"{soon + dt.timedelta(days=2):%Y-%m-%d}T10:00"
    html = page(client, car, start=start, end=end, location="maryland", extras="insurance")
    expected = quote(
        asset=car,
        start=parse_instant(start, NY, field="start"),
        end=parse_instant(end, NY, field="end"),
        now=timezone.now(),
        location=car.delivery_locations.get(),
        extras=["insurance"],
    )
    assert format_money(expected.total, "USD") in html
    for line in expected.lines:
        assert line.label in html
        assert format_money(line.amount, "USD") in html
    assert "Delivery to Maryland" in html
    assert "Service fee" in html and "Tax (6%)" in html
    assert "Security deposit <strong>USD 5,000</strong>" in html
    assert "Available for these times" in html
    assert f'value="{start}"' in html and f'value="{end}"' in html
    assert 'value="insurance" checked' in html
    assert "mailto:" in html


def test_quote_shows_when_the_asset_is_taken(client, car, soon):
    start = dt.datetime.combine(soon, dt.time(9), tzinfo=NY)
    reserve(asset=car, start=start, end=start + dt.timedelta(days=1))
    html = page(client, car, start=f"{soon:%Y-%m-%d}T10:00", end=f"{soon:%Y-%m-%d}T18:00")
    result = html.split('id="quote-result"')[1].split("<template")[0]
    assert "Already booked" in result
    assert "Reserve with the concierge</a>" not in result


def test_dates_from_the_listing_are_accepted(client, car, soon):
    html = page(
        client, car, start=f"{soon:%Y-%m-%d}", end=f"{soon + dt.timedelta(days=1):%Y-%m-%d}"
    )
    assert f'value="{soon:%Y-%m-%d}T00:00"' in html
    assert "1 day in Washington DC" in html


@pytest.mark.parametrize(
    ("params", "message", "field"),
    [
        ({"start": "2031-03-05T10:00", "end": "2031-03-04T10:00"}, "end must be after", "end"),
        ({"start": "2001-03-05T10:00", "end": "2001-03-06T10:00"}, "in the past", "start"),
        ({"start": "soon", "end": "later"}, "must be a date like 2027-03-12", "start"),
        ({"start": "2031-03-05T10:00"}, "end is required", "end"),
        (
            {"start": "2031-03-05T10:00", "end": "2031-03-06T10:00", "location": "atlantis"},
            "not offered there",
            "location",
        ),
        (
            {"start": "2031-03-05T10:00", "end": "2031-03-06T10:00", "extras": "caviar"},
            "not offered",
            None,
        ),
    ],
)
def test_bad_quotes_get_a_message_not_a_500(client, car, params, message, field, settings):
    car.max_advance_days = 3650
    car.save()
    html = page(client, car, **params)
    assert 'role="alert"' in html
    assert message.lower() in html.lower()
    if field:
        assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', html)


def test_inactive_asset_is_not_quoted(client, washington, categories):
    asset = make_asset("cars", washington, is_active=False)
    response = client.get(asset.get_absolute_url() + "?start=2031-01-01&end=2031-01-02")
    assert response.status_code == 404


def test_asset_page_query_count_is_bounded(
    client, car, washington, soon, django_assert_max_num_queries
):
    for n in range(4):
        make_asset("cars", washington, name=f"Related {n}")
    make_addon("insurance", amounts={"USD": 20_000})
    make_addon("chauffeur", amounts={"USD": 50_000})
    # + the catalogue version, read by the page cache and by the view
    with django_assert_max_num_queries(11):
        page(client, car)
    # the asset, its related cards and add-ons are then kept per catalogue version: the two
    # version reads, the calendar's reservations, the reviews
    with django_assert_max_num_queries(5):
        page(client, car, month=f"{soon:%Y-%m}")
    start, end = f"{soon:%Y-%m-%d}T10:00", f"{soon + dt.timedelta(days=2):%Y-%m-%d}T10:00"
    with django_assert_max_num_queries(13):
        page(
            client,
            car,
            start=start,
            end=end,
            location="maryland",
            extras=["insurance", "chauffeur"],
        )
