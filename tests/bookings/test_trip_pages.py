"""A jet's route on the quote API, the booking API and the asset page's form."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from django.urls import reverse

from midas.accounts.authentication import api_token_issue
from midas.bookings.models import Booking
from midas.bookings.selectors import is_free
from tests.bookings.pricing_rules import at, make_jet
from tests.factories import NOW, make_driver
from tests.pinned import pin_now

DUBAI = zoneinfo.ZoneInfo("Asia/Dubai")

pytestmark = pytest.mark.django_db


@pytest.fixture
def jet(monkeypatch):
    pin_now(monkeypatch, NOW)
    return make_jet("DXB", slug="g700", name="Gulfstream G700")


def departure() -> str:
    return at(10, 10, DUBAI).strftime("%Y-%m-%dT%H:%M")


def test_the_quote_api_prices_dubai_to_washington(client, jet):
    payload = {"asset": "g700", "start": departure(), "origin": "dxb", "destination": "IAD"}
    answer = client.post("/api/v1/quotes", json.dumps(payload), "application/json")
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["unit"] == "trip"
    trip = body["trip"]
    assert (trip["origin"], trip["destination"]) == ("DXB", "IAD")
    assert [leg["kind"] for leg in trip["legs"]] == ["flight", "positioning"]
    flight = trip["legs"][0]
    assert 11_000 < flight["distance_km"] < 11_500
    assert 12 * 60 < flight["minutes"] < 14 * 60
    # the departure was read in Dubai's time: 10:00 +04:00 is 06:00 UTC
    assert trip["departure"].startswith(at(10, 6, dt.UTC).strftime("%Y-%m-%dT%H:%M"))
    assert body["start"] == trip["departure"]
    assert body["total"] == sum(line["amount"] for line in body["lines"])
    assert body["lines"][0]["label"].startswith("DXB → IAD · 13 h")


def test_the_quote_api_says_what_is_wrong_with_a_route(client, jet):
    missing = {"asset": "g700", "start": departure()}
    answer = client.post("/api/v1/quotes", json.dumps(missing), "application/json")
    assert answer.status_code == 400  # neither an end nor a route: the schema's rule
    assert (
        answer.json()["code"] == "invalid_input"
        and "origin and destination" in (answer.json()["message"])
    )
    half = {**missing, "origin": "DXB"}
    answer = client.post("/api/v1/quotes", json.dumps(half), "application/json")
    assert answer.status_code == 422
    assert answer.json()["code"] == "route_invalid" and answer.json()["field"] == "destination"
    unknown = {**missing, "origin": "DXB", "destination": "ZZZ"}
    answer = client.post("/api/v1/quotes", json.dumps(unknown), "application/json")
    assert answer.status_code == 422 and answer.json()["field"] == "destination"


def test_the_booking_api_books_the_route_and_blocks_the_jet(client, jet):
    _, secret = api_token_issue(user=make_driver())
    payload = {
        "asset": "g700",
        "start": at(10, 9, zoneinfo.ZoneInfo("America/Chicago")).strftime("%Y-%m-%dT%H:%M"),
        "origin": "HOU",
        "destination": "ATL",
        "guests": 6,
        "accept_terms": True,
    }
    answer = client.post(
        "/api/v1/bookings",
        json.dumps(payload),
        "application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["guests"] == 6
    assert [leg["kind"] for leg in body["trip"]["legs"]] == ["positioning", "flight", "positioning"]
    booking = Booking.objects.get()
    assert booking.start < dt.datetime.fromisoformat(body["trip"]["departure"])
    assert not is_free(jet, booking.start, booking.end)
    assert body["total"] == sum(line["amount"] for line in body["lines"])


def test_the_asset_page_shows_a_route_form_and_prices_it(client, jet):
    blank = client.get(jet.get_absolute_url()).content.decode()
    assert 'name="origin"' in blank and 'name="destination"' in blank
    assert 'name="return_at"' in blank and 'name="end"' not in blank
    assert "Dubai DXB" in blank and "Washington IAD" in blank
    back = at(16, 12, zoneinfo.ZoneInfo("America/New_York")).strftime("%Y-%m-%dT%H:%M")
    params = {"origin": "DXB", "destination": "IAD", "start": departure(), "return_at": back}
    page = client.get(jet.get_absolute_url(), params)
    html = page.content.decode()
    assert "We could not price that." not in html
    assert "DXB → IAD" in html and "Return IAD → DXB" in html
    assert "positioning included" in html
    assert '<input type="hidden" name="origin" value="DXB">' in html
    # the Book button's checkout prices the same route
    client.force_login(make_driver())
    checkout = client.get(reverse("bookings:checkout", args=[jet.slug]), params)
    assert checkout.status_code == 200
    text = checkout.content.decode()
    assert "Return IAD → DXB" in text and "The jet is yours from" in text


def test_the_asset_page_explains_a_bad_route(client, jet):
    params = {"origin": "DXB", "destination": "DXB", "start": departure()}
    html = client.get(jet.get_absolute_url(), params).content.decode()
    assert "Choose a destination other than the origin" in html
    assert 'id="q-destination" name="destination" required aria-invalid="true"' in html


def test_the_demo_g700_flies_dubai_to_washington_priced_by_flight_time(client, monkeypatch):
    from midas.catalog.demo import load_demo_collection
    from midas.catalog.models import Asset, LengthDiscount, TierRule

    pin_now(monkeypatch, NOW)
    load_demo_collection()
    load_demo_collection()  # idempotent: the rules are not doubled
    assert LengthDiscount.objects.count() == 2 and TierRule.objects.count() == 2
    g700 = Asset.objects.get(slug="gulfstream-g700-dubai")
    assert g700.jet.base_airport.iata == "DXB" and g700.jet.base_airport.location.slug == "dubai"
    march = at(60, 10, DUBAI).strftime("%Y-%m-%dT%H:%M")  # after the Dubai winter season
    payload = {"asset": g700.slug, "start": march, "origin": "DXB", "destination": "IAD"}
    body = client.post("/api/v1/quotes", json.dumps(payload), "application/json").json()
    flight = body["lines"][0]
    assert flight["label"] == "DXB → IAD · 13 h 04 min"  # 11,355 km at 904 km/h + 30 min
    assert flight["amount"] == (6_600_000 * 784 * 2 + 60) // 120  # AED 66,000 an hour
    assert body["currency"] == "AED" and body["location"] == "dubai"
    assert body["total"] == sum(line["amount"] for line in body["lines"])
    cullinan = Asset.objects.get(slug="rolls-royce-cullinan-dubai")
    assert cullinan.max_duration == 30


def test_the_checkout_books_the_route_it_shows(client, jet):
    client.force_login(make_driver())
    url = reverse("bookings:checkout", args=[jet.slug])
    fields = {"origin": "DXB", "destination": "LHR", "start": departure(), "guests": "4"}
    page = client.get(url, fields)
    assert page.status_code == 200
    key = page.context["form"].initial["idempotency_key"]
    done = client.post(url, {**fields, "idempotency_key": key, "accept_terms": "yes"})
    assert done.status_code == 302, done.content.decode()[:2000]
    booking = Booking.objects.get()
    assert (booking.trip["origin"], booking.trip["destination"]) == ("DXB", "LHR")
    assert booking.guests == 4
    assert booking.total_minor == page.context["result"].quote.total
    detail = client.get(done.headers["Location"]).content.decode()
    assert "DXB → LHR" in detail and "positioning flights included" in detail


def test_the_emails_name_the_route_the_departure_and_the_guests(jet):
    from midas.bookings.pricing import Route
    from midas.bookings.services import booking_create
    from midas.bookings.services.notices import booking_context

    booking = booking_create(
        customer=make_driver(),
        asset=jet,
        start=at(10, 9, zoneinfo.ZoneInfo("America/Chicago")),
        route=Route("HOU", "ATL"),
        guests=5,
        now=NOW,
    )
    rows = dict(row[:2] for row in booking_context(booking)["rows"])
    assert rows["Route"] == "HOU → ATL (positioning flights included in the times)"
    assert rows["Departs"].endswith("09:00 (HOU time)")
    assert rows["Guests"] == "5"


def test_a_jet_priced_by_flight_time_shows_its_hourly_rate_not_the_flat_trip(client, jet):
    """The page's and the card's 'from' price is what the quote charges: the hourly rate."""
    page = client.get(jet.get_absolute_url()).content.decode()
    assert "AED 60,000</strong> / flight hour" in page
    assert "AED 70,000</strong> / trip" not in page
    listing = client.get("/collection/jets/").content.decode()
    assert 'AED 60,000</strong> <span class="per">/ flight hour</span>' in listing
