"""Guests and passengers: checked against the asset's capacity at quote and booking, on the
API and the pages; stored on the booking."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from midas.accounts.authentication import api_token_issue
from midas.bookings.models import Booking
from midas.bookings.pricing import quote
from midas.bookings.services import booking_create
from midas.errors import AppError, ErrorCode
from tests.factories import NOW, make_asset, make_driver, make_location
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db


@pytest.fixture
def yacht(monkeypatch):
    pin_now(monkeypatch, NOW)
    make_location(slug="washington-dc", city="Washington")
    return make_asset(
        "yachts",
        make_location(slug="washington-dc"),
        slug="eight-berth",
        name="Eight Berth",
        specs={"length_m": 17, "guests": 8, "crew": 2, "cruising_speed_kn": 9},
    )


def when(days: int = 10, length: int = 2) -> tuple[dt.datetime, dt.datetime]:
    start = NOW + dt.timedelta(days=days)
    return start, start + dt.timedelta(days=length)


def body(**fields) -> dict:
    start, end = when()
    return {"asset": "eight-berth", "start": start.isoformat(), "end": end.isoformat(), **fields}


def test_the_quote_takes_up_to_the_capacity(yacht):
    start, end = when()
    assert quote(asset=yacht, start=start, end=end, now=NOW, guests=8).guests == 8
    assert quote(asset=yacht, start=start, end=end, now=NOW).guests is None  # optional
    with pytest.raises(AppError) as caught:
        quote(asset=yacht, start=start, end=end, now=NOW, guests=9)
    assert caught.value.code == ErrorCode.OVER_CAPACITY and caught.value.status == 422
    assert caught.value.message == "Eight Berth takes at most 8 guests"
    with pytest.raises(AppError) as caught:
        quote(asset=yacht, start=start, end=end, now=NOW, guests=0)
    assert caught.value.code == ErrorCode.INVALID_INPUT and caught.value.field == "guests"


def test_nine_guests_on_an_eight_guest_yacht_is_422_on_the_quote_api(client, yacht):
    answer = client.post("/api/v1/quotes", json.dumps(body(guests=9)), "application/json")
    assert answer.status_code == 422
    assert answer.json() == {
        "code": "over_capacity",
        "message": "Eight Berth takes at most 8 guests",
        "field": "guests",
    }
    answer = client.post("/api/v1/quotes", json.dumps(body(guests=8)), "application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["guests"] == 8
    answer = client.post("/api/v1/quotes", json.dumps(body(guests=0)), "application/json")
    assert answer.status_code in (400, 422) and answer.json()["code"] == "invalid_input"


def test_the_booking_api_refuses_nine_and_stores_eight(client, yacht):
    _, secret = api_token_issue(user=make_driver())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def book(guests: int):
        data = json.dumps(body(guests=guests, accept_terms=True))
        return client.post("/api/v1/bookings", data, "application/json", **auth)

    refused = book(9)
    assert refused.status_code == 422 and refused.json()["code"] == "over_capacity"
    assert not Booking.objects.exists()  # nothing half-written
    made = book(8)
    assert made.status_code == 201, made.content
    assert made.json()["guests"] == 8
    assert Booking.objects.get().guests == 8


def test_nine_guests_get_a_message_on_the_asset_page(client, yacht):
    start, end = when()
    fmt = "%Y-%m-%dT%H:%M"
    tz = yacht.home_location.tz
    params = {
        "start": start.astimezone(tz).strftime(fmt),
        "end": end.astimezone(tz).strftime(fmt),
        "guests": "9",
    }
    page = client.get(yacht.get_absolute_url(), params)
    assert page.status_code == 200
    html = page.content.decode()
    assert "We could not price that." in html
    assert "Eight Berth takes at most 8 guests" in html
    assert 'id="q-guests"' in html and 'max="8"' in html
    ok = client.get(yacht.get_absolute_url(), {**params, "guests": "8"}).content.decode()
    assert "8 guests" in ok and "We could not price that." not in ok
    # and the Book button carries the guests to the checkout
    assert '<input type="hidden" name="guests" value="8">' in ok


def test_the_checkout_books_the_guests(client, yacht):
    customer = make_driver()
    client.force_login(customer)
    start, end = when()
    fmt = "%Y-%m-%dT%H:%M"
    tz = yacht.home_location.tz
    fields = {
        "start": start.astimezone(tz).strftime(fmt),
        "end": end.astimezone(tz).strftime(fmt),
        "guests": "9",
    }
    page = client.get(reverse("bookings:checkout", args=[yacht.slug]), fields)
    assert "Eight Berth takes at most 8 guests" in page.content.decode()
    fields["guests"] = "6"
    page = client.get(reverse("bookings:checkout", args=[yacht.slug]), fields)
    assert "6 guests" in page.content.decode()
    key = page.context["form"].initial["idempotency_key"]
    done = client.post(
        reverse("bookings:checkout", args=[yacht.slug]),
        {**fields, "idempotency_key": key, "accept_terms": "yes"},
    )
    assert done.status_code == 302, done.content.decode()[:2000]
    booking = Booking.objects.get()
    assert booking.guests == 6
    detail = client.get(done.headers["Location"]).content.decode()
    assert "Guests" in detail


def test_booking_create_refuses_over_capacity(yacht):
    start, end = when()
    with pytest.raises(AppError) as caught:
        booking_create(customer=make_driver(), asset=yacht, start=start, end=end, guests=9, now=NOW)
    assert caught.value.code == ErrorCode.OVER_CAPACITY
    assert not Booking.objects.exists()
