"""The bookings API as a client sees it: create, list, read, pay, preview, cancel."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from midas.accounts.authentication import api_token_issue
from midas.bookings.models import Booking, BookingStatus
from midas.payments.models import Payment
from tests.factories import make_asset, make_driver, make_location

pytestmark = pytest.mark.django_db

URL = "/api/v1/bookings"


def day(n: int) -> str:
    return (timezone.now() + dt.timedelta(days=n)).date().isoformat()


class Api:
    """A client signed in as one customer."""

    def __init__(self, client, user):
        self.client = client
        self.user = user
        _, secret = api_token_issue(user=user)
        self.auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}

    def post(self, path, body=None, **headers):
        if body is None:  # no body at all
            return self.client.generic("POST", path, b"", **self.auth, **headers)
        data = json.dumps(body)
        return self.client.post(path, data, content_type="application/json", **self.auth, **headers)

    def get(self, path, **params):
        return self.client.get(path, params, **self.auth)


@pytest.fixture
def asset(db):
    make_location(slug="washington-dc", city="Washington")
    return make_asset(slug="aventador", name="Aventador")


@pytest.fixture
def api(client, db):
    return Api(client, make_driver())


def book(api, asset_slug="aventador", start=10, end=12, **headers):
    body = {"asset": asset_slug, "start": day(start), "end": day(end), "accept_terms": True}
    return api.post(URL, body, **headers)


def test_create_holds_and_answers_201_with_the_booking(api, asset):
    response = book(api)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"].startswith("MID-")
    assert body["status"] == "held"
    assert body["asset"] == "aventador"
    assert body["currency"] == "USD"
    assert body["total"] == sum(line["amount"] for line in body["lines"])
    assert body["security_deposit"] == 500_000
    assert body["hold_expires_at"].endswith("+00:00")
    assert body["payments"]["paid"] == 0
    assert body["test_mode"] is True


def test_the_slot_taken_is_409(api, asset, client):
    assert book(api).status_code == 201
    other = Api(client, make_driver())
    response = book(other, start=11, end=13)
    assert response.status_code == 409
    assert response.json()["code"] == "slot_unavailable"


def test_idempotency_key_201_then_200_then_409_for_another_request(api, asset):
    first = book(api, HTTP_IDEMPOTENCY_KEY="abc")
    again = book(api, HTTP_IDEMPOTENCY_KEY="abc")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["reference"] == again.json()["reference"]
    other = book(api, start=20, end=22, HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 409
    assert other.json()["code"] == "idempotency_conflict"
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"asset": "nope", "start": "2030-01-01", "end": "2030-01-02"}, 404, "not_found"),
        ({"asset": "aventador", "start": "soon", "end": "2030-01-02"}, 400, "invalid_input"),
        ({"asset": "aventador", "start": "2020-01-02", "end": "2020-01-03"}, 422, "start_in_past"),
        ({"asset": "aventador"}, 400, "invalid_input"),
        (
            {"asset": "aventador", "start": day(20), "end": day(21), "extras": ["x"]},
            422,
            "unknown_extra",
        ),
        ({"asset": "aventador", "start": day(20), "end": day(19)}, 422, "invalid_range"),
    ],
)
def test_bad_requests_are_4xx_with_a_code(api, asset, body, status, code):
    response = api.post(URL, {"accept_terms": True, **body})
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not Booking.objects.exists()


def test_an_ineligible_customer_is_told_why(client, asset):
    api = Api(client, make_driver(licence_number=""))
    response = book(api)
    assert response.status_code == 422
    assert response.json() | {"message": ""} == {
        "code": "not_eligible",
        "message": "",
        "field": "licence_number",
    }


def test_without_a_token_it_is_401(client, asset):
    response = client.post(URL, json.dumps({"asset": "aventador"}), content_type="application/json")
    assert response.status_code == 401
    assert client.get(URL).status_code == 401


def test_creation_is_rate_limited_per_customer(api, asset, settings, clock):
    settings.RATE_LIMITS = {"booking_create": (2, 60)}
    assert book(api).status_code == 201
    assert book(api).status_code == 409
    limited = book(api)
    assert limited.status_code == 429
    assert limited.json()["code"] == "rate_limited"
    assert int(limited["Retry-After"]) > 0


def test_list_is_paginated_and_only_mine(api, asset, client):
    book(api)
    book(api, start=20, end=21)
    book(Api(client, make_driver()), start=30, end=31)
    page = api.get(URL, limit=1)
    assert page.status_code == 200
    assert page.json()["count"] == 2
    assert len(page.json()["items"]) == 1
    assert api.get(URL, limit=0).status_code == 400


def test_pay_with_a_test_card_confirms(api, asset):
    ref = book(api).json()["reference"]
    response = api.post(f"{URL}/{ref}/pay", {"card_number": "4242 4242 4242 4242"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["booking"]["status"] == "confirmed"
    assert body["booking"]["payments"]["paid"] == body["booking"]["total"]
    assert api.get(f"{URL}/{ref}").json()["status"] == "confirmed"


def test_pay_declined_is_402_and_the_booking_stays_held(api, asset):
    ref = book(api).json()["reference"]
    response = api.post(f"{URL}/{ref}/pay", {"payment_method": "pm_card_chargeDeclined"})
    assert response.status_code == 402
    assert response.json()["code"] == "payment_declined"
    assert api.get(f"{URL}/{ref}").json()["status"] == "held"


def test_pay_needing_authentication_is_202_with_the_challenge(api, asset):
    ref = book(api).json()["reference"]
    response = api.post(f"{URL}/{ref}/pay", {"card_number": "4000002500003155"})
    assert response.status_code == 202
    payment = Payment.objects.get()
    assert response.json()["action_url"] == f"/bookings/{ref}/pay/challenge/{payment.pk}/"


@pytest.mark.parametrize(
    "body", [{}, {"card_number": "4242424242424242", "payment_method": "pm_card_visa"}]
)
def test_pay_needs_exactly_one_method(api, asset, body):
    ref = book(api).json()["reference"]
    response = api.post(f"{URL}/{ref}/pay", body)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"


def test_card_numbers_are_refused_outside_test_mode(api, asset, settings):
    ref = book(api).json()["reference"]
    settings.PAYMENT_PROVIDER = "stripe"
    response = api.post(f"{URL}/{ref}/pay", {"card_number": "4242424242424242"})
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_paying_twice_is_409(api, asset):
    ref = book(api).json()["reference"]
    api.post(f"{URL}/{ref}/pay", {"payment_method": "pm_card_visa"})
    again = api.post(f"{URL}/{ref}/pay", {"payment_method": "pm_card_visa"})
    assert again.status_code == 409
    assert again.json()["code"] == "invalid_state"


def test_preview_then_cancel_refunds_in_full_far_ahead(api, asset):
    ref = book(api, start=30, end=32).json()["reference"]
    api.post(f"{URL}/{ref}/pay", {"payment_method": "pm_card_visa"})
    preview = api.get(f"{URL}/{ref}/cancellation").json()
    total = api.get(f"{URL}/{ref}").json()["total"]
    assert preview["cancellable"] is True
    assert (preview["refund"], preview["tier"]) == (total, "full")
    assert preview["policy"][0] == "Full refund 72 hours or more before the start."
    response = api.post(f"{URL}/{ref}/cancel", {"reason": "plans changed"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["refund"], body["tier"]) == (total, "full")
    assert body["booking"]["status"] == "refunded"
    assert body["booking"]["payments"]["refunded"] == total
    assert Booking.objects.get().cancellation_reason == "plans changed"


def test_cancel_without_a_body_and_twice(api, asset):
    ref = book(api).json()["reference"]
    first = api.post(f"{URL}/{ref}/cancel")
    assert first.status_code == 200, first.content
    assert first.json()["booking"]["status"] == "cancelled"
    assert first.json()["tier"] == "unpaid"
    second = api.post(f"{URL}/{ref}/cancel")
    assert second.status_code == 409
    preview = api.get(f"{URL}/{ref}/cancellation").json()
    assert preview["cancellable"] is False


def test_references_are_case_insensitive(api, asset):
    ref = book(api).json()["reference"]
    assert api.get(f"{URL}/{ref.lower()}").status_code == 200


def test_openapi_lists_the_booking_endpoints(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        URL,
        f"{URL}/{{ref}}",
        f"{URL}/{{ref}}/pay",
        f"{URL}/{{ref}}/cancel",
        f"{URL}/{{ref}}/cancellation",
    ):
        assert path in paths


def test_a_requested_booking_answers_requested(api, db):
    make_location(slug="washington-dc", city="Washington")
    make_asset("jets", slug="gulfstream", booking_mode="request")
    response = book(api, asset_slug="gulfstream")
    assert response.status_code == 201, response.content
    assert response.json()["status"] == BookingStatus.REQUESTED


def test_return_url_must_be_on_this_site(api, asset):
    ref = book(api).json()["reference"]
    evil = api.post(
        f"{URL}/{ref}/pay",
        {"card_number": "4000002500003155", "return_url": "https://evil.example/x"},
    )
    assert evil.status_code == 400
    assert evil.json()["field"] == "return_url"
    ok = api.post(
        f"{URL}/{ref}/pay",
        {"card_number": "4000002500003155", "return_url": "https://midas.example/bookings/x/"},
    )
    assert ok.status_code == 202


def test_the_list_costs_a_fixed_number_of_queries(api, asset, django_assert_max_num_queries):
    for n in range(5):
        book(api, start=10 + 3 * n, end=11 + 3 * n)
    with django_assert_max_num_queries(4):  # token, count, page (+ last_used spare)
        response = api.get(URL)
    assert response.json()["count"] == 5


def test_a_booking_and_its_payment_cost_a_fixed_number_of_queries(
    api, asset, django_assert_max_num_queries
):
    book(api, start=30, end=32)  # the token's first use (last_used_at) and warm caches
    # token, the catalogue version (the asset and its pricing kept per version: the booking
    # before moved only the calendars'), replay look-up, overlap, reservation, booking, two
    # outbox rows, the calendars' version, the send kick, and the savepoints of reserve and
    # of the booking's insert (the test runs in a transaction): no outbox look-ups or
    # savepoints for the new booking's emails, no reference look-up, no ledger sums for a
    # booking that has just been made (was 23)
    with CaptureQueriesContext(connection) as booking_queries:
        response = book(api)
    assert len(booking_queries) <= 18, [q["sql"] for q in booking_queries.captured_queries]
    assert not [
        q for q in booking_queries.captured_queries if "catalog_seasonalrate" in q["sql"]
    ]  # priced from memory
    assert response.status_code == 201
    body = response.json()
    assert body["payments"]["paid"] == 0 and body["payments"]["balance"] == 0
    ref = body["reference"]
    # a booking far from its start: no deposit hold yet, and no transaction opened for it
    # (PostgreSQL adds a SET LOCAL lock_timeout to each of the payment's transactions)
    with django_assert_max_num_queries(30 if connection.vendor == "sqlite" else 34):
        paid = api.post(f"{URL}/{ref}/pay", {"card_number": "4242424242424242"})
    assert paid.status_code == 200
    assert paid.json()["booking"]["payments"]["paid"] == body["total"]
    assert not Payment.objects.filter(booking__reference=ref, kind="deposit_hold").exists()
