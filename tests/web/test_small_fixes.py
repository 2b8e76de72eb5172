"""Small things a customer noticed (issue 13, item 9): the date pickers' earliest day is
today where the rental happens (not on the server); no deposit wording where there is no
deposit; plain words, not "ISO 8601", in the errors customers read."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.urls import reverse

from tests.bookings.test_views import local_times
from tests.factories import make_asset, make_driver
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

# 21:30 UTC on 1 March: already 2 March in Dubai (UTC+4), still 1 March in Washington
LATE_EVENING_UTC = dt.datetime(2027, 3, 1, 21, 30, tzinfo=dt.UTC)


def min_of(html: str, name: str) -> str:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    assert tag is not None, name
    found = re.search(r'min="([^"]*)"', tag.group(0))
    return found.group(1) if found else ""


def test_the_quote_pickers_start_on_todays_date_in_dubai(client, monkeypatch, dubai, categories):
    pin_now(monkeypatch, LATE_EVENING_UTC)
    yacht = make_asset("yachts", dubai, slug="dubai-yacht")
    html = client.get(yacht.get_absolute_url()).content.decode()
    assert min_of(html, "start") == "2027-03-02T00:00"  # 1 March is over in Dubai
    assert min_of(html, "end") == "2027-03-02T00:00"


def test_the_quote_pickers_of_a_washington_car_start_on_its_day(client, monkeypatch, car):
    pin_now(monkeypatch, LATE_EVENING_UTC)
    html = client.get(car.get_absolute_url()).content.decode()
    assert min_of(html, "start") == "2027-03-01T00:00"


def test_the_collection_date_filter_starts_on_the_chosen_citys_day(
    client, monkeypatch, dubai, washington, categories
):
    pin_now(monkeypatch, LATE_EVENING_UTC)
    in_dubai = client.get("/collection/", {"city": "dubai"}).content.decode()
    assert min_of(in_dubai, "start") == "2027-03-02"
    assert min_of(in_dubai, "end") == "2027-03-02"
    anywhere = client.get("/collection/").content.decode()
    assert min_of(anywhere, "start") == "2027-03-01"  # still 1 March in Washington


def test_a_jet_without_a_deposit_says_nothing_about_one(client, washington, categories):
    jet = make_asset("jets", washington, slug="citation", security_deposit_minor=0)
    html = client.get(jet.get_absolute_url()).content.decode()
    assert "deposit" not in html.lower()
    customer = make_driver()
    client.force_login(customer)
    start, end = local_times(jet)
    checkout = reverse("bookings:checkout", args=[jet.slug])
    html = client.get(checkout, {"start": start, "end": end}).content.decode()
    assert "Total" in html and "deposit" not in html.lower()


def test_a_car_with_a_deposit_still_shows_it(client, car):
    html = client.get(car.get_absolute_url()).content.decode()
    assert "Security deposit" in html and "USD 5,000" in html
    client.force_login(make_driver())
    start, end = local_times(car)
    checkout = reverse("bookings:checkout", args=[car.slug])
    html = client.get(checkout, {"start": start, "end": end}).content.decode()
    assert "The security deposit is a hold, always released in full" in html


def test_customers_read_plain_words_not_iso_8601(client, car):
    html = client.get(car.get_absolute_url(), {"start": "soon", "end": "later"}).content.decode()
    assert "must be a date like 2027-03-12, or a date and time like 2027-03-12T10:00" in html
    assert "ISO" not in html
    body = {
        "email": "lin@example.com",
        "password": "velvet-harbour-1912",
        "first_name": "Lin",
        "last_name": "Ma",
        "date_of_birth": "02/04/1988",
    }
    answer = client.post("/api/v1/auth/register", json.dumps(body), content_type="application/json")
    assert answer.status_code == 400
    assert "ISO" not in answer.content.decode()
    assert "year-month-day, e.g. 1990-05-17" in answer.content.decode()
