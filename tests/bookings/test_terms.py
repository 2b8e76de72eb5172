"""Terms acceptance at checkout: the page's required box and the API's ``accept_terms``;
the booking records the version accepted (``settings.TERMS_VERSION``) and when."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.urls import reverse

from midas.bookings.models import Booking
from tests.bookings.test_api import URL, Api, day
from tests.bookings.test_views import local_times
from tests.factories import make_asset, make_driver, make_location, make_staff
from tests.pinned import pin_now

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2027, 3, 1, 9, 30, tzinfo=dt.UTC)


@pytest.fixture
def pinned(monkeypatch):
    return pin_now(monkeypatch, MOMENT)


@pytest.fixture
def car(db):
    make_location(slug="washington-dc", city="Washington")
    return make_asset(slug="aventador", name="Aventador")


def post_checkout(client, asset, **extra: str):
    start, end = local_times(asset)
    data = {"start": start, "end": end, "idempotency_key": "web-terms-1", **extra}
    return client.post(reverse("bookings:checkout", args=[asset.slug]), data)


def test_the_checkout_page_asks_for_the_terms_with_their_version(client, car, settings):
    settings.TERMS_VERSION = "2027-02"
    client.force_login(make_driver())
    start, end = local_times(car)
    url = reverse("bookings:checkout", args=[car.slug])
    html = client.get(url, {"start": start, "end": end}).content.decode()
    assert 'type="checkbox" name="accept_terms"' in html and "required" in html
    assert "I have read and accept the" in html and "(version 2027-02)" in html
    assert f'href="{reverse("web:terms")}"' in html


def test_checkout_without_the_box_ticked_books_nothing_and_says_why(client, car):
    client.force_login(make_driver())
    response = post_checkout(client, car)
    assert response.status_code == 400
    assert "Please read and accept the rental terms to book." in response.content.decode()
    assert not Booking.objects.exists()


def test_checkout_with_the_box_ticked_records_the_version_and_the_moment(
    client, car, settings, pinned
):
    settings.TERMS_VERSION = "2027-02"
    client.force_login(make_driver())
    response = post_checkout(client, car, accept_terms="yes")
    assert response.status_code == 302, response.content.decode()[:2000]
    booking = Booking.objects.get()
    assert (booking.terms_version, booking.terms_accepted_at) == ("2027-02", MOMENT)


def test_the_api_refuses_a_booking_without_accept_terms(client, car):
    api = Api(client, make_driver())
    body = {"asset": "aventador", "start": day(10), "end": day(12)}
    for refused in (body, {**body, "accept_terms": False}):
        response = api.post(URL, refused)
        assert response.status_code == 422, response.content
        assert response.json()["code"] == "terms_not_accepted"
        assert response.json()["field"] == "accept_terms"
    assert api.post(URL, {**body, "accept_terms": "yes"}).status_code in (400, 422)  # strict
    assert not Booking.objects.exists()


def test_the_api_records_the_accepted_version(client, car, settings):
    settings.TERMS_VERSION = "2027-02"
    api = Api(client, make_driver())
    body = {"asset": "aventador", "start": day(10), "end": day(12), "accept_terms": True}
    response = api.post(URL, body)
    assert response.status_code == 201, response.content
    assert response.json()["terms_version"] == "2027-02"
    assert response.json()["terms_accepted_at"]
    booking = Booking.objects.get()
    assert booking.terms_version == "2027-02" and booking.terms_accepted_at is not None
    schema = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["BookingIn"]
    assert schema["properties"]["accept_terms"]["type"] == "boolean"


def test_staff_see_the_accepted_version_and_the_audit_records_it(client, car, settings, caplog):
    settings.TERMS_VERSION = "2027-02"
    api = Api(client, make_driver())
    body = {"asset": "aventador", "start": day(10), "end": day(12), "accept_terms": True}
    with caplog.at_level(logging.INFO, logger="midas.audit"):
        assert api.post(URL, body).status_code == 201
    (held,) = [r for r in caplog.records if "bookings.booking.held" in r.getMessage()]
    assert held.audit["details"]["terms_version"] == "2027-02"
    booking = Booking.objects.get()
    client.force_login(make_staff(is_superuser=True))
    page = client.get(reverse("admin:bookings_booking_change", args=[booking.pk]))
    html = page.content.decode()
    assert "Terms version" in html and "2027-02" in html
