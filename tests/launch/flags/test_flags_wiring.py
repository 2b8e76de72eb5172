"""The flags in the product: registration, booking and payments off → a friendly 503 page and
``feature_disabled`` 503 from the API, the Book button and the register link hidden; on →
as usual; staff see a staff-only feature, customers do not."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from midas.accounts.authentication import api_token_issue
from midas.accounts.models import User
from midas.bookings.models import Booking
from midas.flags import selectors as flag_reads
from midas.launch.flags import services
from tests.bookings.test_views import CARD, VISA, checkout_url, local_times
from tests.factories import PASSWORD, make_asset, make_booking, make_city, make_driver

pytestmark = pytest.mark.django_db


@pytest.fixture
def car():
    return make_asset("cars", make_city("washington-dc"), name="DB12", base_rate_minor=150_000)


@pytest.fixture
def customer():
    return make_driver(email="ada@example.com")


def turn(key, state, actor, percent=0):
    services.flag_set(key=key, state=state, percent=percent, actor=actor, reason="test")


def api_post(client, path, body, user=None):
    headers = {}
    if user is not None:
        _, secret = api_token_issue(user=user)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client.post(path, json.dumps(body), content_type="application/json", **headers)


def assert_unavailable_page(response):
    assert response.status_code == 503
    html = response.content.decode()
    assert "Temporarily unavailable" in html and "data-feature-off" in html


def assert_api_disabled(response):
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "feature_disabled"


REGISTRATION = {
    "email": "grace@example.com",
    "password": PASSWORD,
    "first_name": "Grace",
    "last_name": "Hopper",
    "date_of_birth": "1985-12-09",
}


def test_registration_off_and_on(client, coordinator_actor):
    turn("registration", "off", coordinator_actor)
    assert_unavailable_page(client.get(reverse("accounts:register")))
    assert_unavailable_page(client.post(reverse("accounts:register"), REGISTRATION))
    assert_api_disabled(api_post(client, "/api/v1/auth/register", REGISTRATION))
    assert not User.objects.filter(email="grace@example.com").exists()
    assert "Create an account" not in client.get(reverse("accounts:login")).content.decode()

    turn("registration", "on", coordinator_actor)
    assert client.get(reverse("accounts:register")).status_code == 200
    assert "Create an account" in client.get(reverse("accounts:login")).content.decode()
    assert api_post(client, "/api/v1/auth/register", REGISTRATION).status_code == 201


def test_booking_off_and_on(client, car, customer, coordinator_actor):
    client.force_login(customer)
    start, end = local_times(car)
    turn("booking", "off", coordinator_actor)
    assert_unavailable_page(client.get(checkout_url(car)))
    page = client.get(car.get_absolute_url(), {"start": start, "end": end}).content.decode()
    assert "data-book" not in page and 'data-feature-off="booking"' in page
    body = {"asset": car.slug, "start": start[:10], "end": end[:10], "accept_terms": True}
    assert_api_disabled(api_post(client, "/api/v1/bookings", body, user=customer))
    assert not Booking.objects.exists()

    turn("booking", "on", coordinator_actor)
    assert client.get(checkout_url(car)).status_code == 200
    page = client.get(car.get_absolute_url(), {"start": start, "end": end}).content.decode()
    assert "data-book" in page
    assert api_post(client, "/api/v1/bookings", body, user=customer).status_code == 201


def test_payments_off_and_on(client, car, customer, coordinator_actor):
    from django.utils import timezone

    client.force_login(customer)
    booking = make_booking(customer=customer, asset=car, now=timezone.now())
    pay_url = reverse("bookings:pay", args=[booking.reference])
    turn("payments", "off", coordinator_actor)
    assert_unavailable_page(client.get(pay_url))
    assert_unavailable_page(client.post(pay_url, {"card_number": VISA, **CARD}))
    api = f"/api/v1/bookings/{booking.reference}/pay"
    assert_api_disabled(api_post(client, api, {"card_number": VISA}, user=customer))
    booking.refresh_from_db()
    assert booking.status == "held"

    turn("payments", "on", coordinator_actor)
    assert client.get(pay_url).status_code == 200
    response = api_post(client, api, {"card_number": VISA}, user=customer)
    assert response.status_code == 200 and response.json()["status"] == "succeeded"


def test_staff_only_booking(client, car, customer, coordinator, coordinator_actor):
    turn("booking", "staff", coordinator_actor)
    client.force_login(customer)
    assert client.get(checkout_url(car)).status_code == 503
    client.force_login(coordinator)
    assert client.get(checkout_url(car)).status_code == 200


def test_percent_uses_the_visitor_bucket_from_the_access_gate(rf, coordinator_actor):
    from types import SimpleNamespace

    from django.contrib.auth.models import AnonymousUser

    turn("booking", "percent", coordinator_actor, percent=10)
    request = rf.get("/")
    request.user = AnonymousUser()
    assert not flag_reads.flag_on(request, "booking")
    request.visitor = SimpleNamespace(bucket=999)
    assert flag_reads.flag_on(request, "booking")
    request.visitor = SimpleNamespace(bucket=1000)
    assert not flag_reads.flag_on(request, "booking")


def test_the_template_tag(rf, coordinator_actor):
    from django.template import Context, Template

    template = Template('{% load flags %}{% flag "booking" as on %}[{{ on }}]')
    request = rf.get("/")
    assert template.render(Context({"request": request})) == "[True]"
    turn("booking", "off", coordinator_actor)
    assert template.render(Context({"request": request})) == "[False]"
    assert template.render(Context({})) == "[False]"


def test_pages_pay_no_query_for_flags_on_a_warm_process(client, car):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    start, end = local_times(car)
    url = car.get_absolute_url()
    flag_reads.FLAGS.forget()  # a cold process: the first page loads every flag at once

    def flag_queries(query: dict) -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"start": start, "end": end, **query}).status_code == 200
        return [q["sql"] for q in queries.captured_queries if "flags_flag" in q["sql"]]

    assert len(flag_queries({})) == 1
    assert flag_queries({"x": "1"}) == []
