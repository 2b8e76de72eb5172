"""The access matrix: customer A against each of customer B's bookings, every endpoint and
method. Someone else's booking answers exactly like one that does not exist (404), and
nothing about it changes."""

from __future__ import annotations

import pytest

from midas.bookings.models import Booking
from midas.notifications.models import OutboxMessage
from midas.payments.models import Payment
from tests.bookings.test_api import URL, Api, book
from tests.factories import make_asset, make_driver, make_location

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    ("GET", "{url}/{ref}", None),
    ("GET", "{url}/{ref}/cancellation", None),
    ("POST", "{url}/{ref}/pay", {"card_number": "4242424242424242"}),
    ("POST", "{url}/{ref}/pay", {"payment_method": "pm_card_visa"}),
    ("POST", "{url}/{ref}/cancel", {"reason": "not mine"}),
    ("POST", "{url}/{ref}/cancel", None),
]
UNROUTED = [
    ("PUT", "{url}/{ref}"),
    ("PATCH", "{url}/{ref}"),
    ("DELETE", "{url}/{ref}"),
    ("GET", "{url}/{ref}/pay"),
    ("GET", "{url}/{ref}/cancel"),
    ("DELETE", "{url}/{ref}/cancel"),
    ("POST", "{url}/{ref}/cancellation"),
]


@pytest.fixture
def parties(client, db):
    make_location(slug="washington-dc", city="Washington")
    make_asset(slug="aventador", name="Aventador")
    a = Api(client, make_driver())
    b = Api(client, make_driver())
    held = book(b, start=10, end=11).json()["reference"]
    paid = book(b, start=20, end=21).json()["reference"]
    b.post(f"{URL}/{paid}/pay", {"payment_method": "pm_card_visa"})
    cancelled = book(b, start=30, end=31).json()["reference"]
    b.post(f"{URL}/{cancelled}/cancel")
    return a, b, [held, paid, cancelled]


def send(api: Api, method: str, path: str, body: object):
    if method == "GET":
        return api.get(path)
    return api.post(path, body)


def snapshot():
    return (
        list(Booking.objects.order_by("pk").values_list("reference", "status", "refund_minor")),
        Payment.objects.count(),
        OutboxMessage.objects.count(),
    )


def test_another_customers_booking_is_404_on_every_endpoint(parties):
    a, _, refs = parties
    before = snapshot()
    for ref in refs:
        for method, template, body in ENDPOINTS:
            path = template.format(url=URL, ref=ref)
            response = send(a, method, path, body)
            assert response.status_code == 404, (method, path, response.content)
            assert response.json()["code"] == "not_found"
            unknown = send(a, method, template.format(url=URL, ref="MID-ZZZZZZ"), body)
            assert (unknown.status_code, unknown.json()["code"]) == (404, "not_found")
    assert snapshot() == before


def test_unrouted_methods_answer_the_same_for_mine_and_theirs(parties, client):
    a, _, refs = parties
    mine = book(a, start=40, end=41).json()["reference"]
    for method, template in UNROUTED:
        theirs = client.generic(method, template.format(url=URL, ref=refs[0]), **a.auth)
        own = client.generic(method, template.format(url=URL, ref=mine), **a.auth)
        assert theirs.status_code == own.status_code == 405, (method, template)


def test_the_list_shows_only_my_bookings(parties):
    a, b, refs = parties
    assert a.get(URL).json() == {"items": [], "count": 0}
    assert {item["reference"] for item in b.get(URL).json()["items"]} == set(refs)


def test_the_owner_still_reaches_every_endpoint(parties):
    _, b, refs = parties
    held = refs[0]
    assert b.get(f"{URL}/{held}").status_code == 200
    assert b.get(f"{URL}/{held}/cancellation").status_code == 200
    assert b.post(f"{URL}/{held}/pay", {"payment_method": "pm_card_visa"}).status_code == 200
    assert b.post(f"{URL}/{held}/cancel").status_code == 200
