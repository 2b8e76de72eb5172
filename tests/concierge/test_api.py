"""Tickets over the JSON API, as a client sees them: the signed-in customer's own only."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from midas.accounts.authentication import api_token_issue
from midas.concierge import threading
from midas.concierge.models import Ticket
from midas.concierge.services import ticket_answer, ticket_open, ticket_update
from tests.factories import make_booking, make_driver, templates_sent

pytestmark = pytest.mark.django_db
ROOT = "/api/v1/"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()


def auth(user) -> dict[str, str]:
    _, secret = api_token_issue(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def post(client, path, body, user):
    return client.post(ROOT + path, json.dumps(body), content_type="application/json", **auth(user))


def test_open_list_read_and_reply(client, customer, staff):
    booking = make_booking(customer=customer)
    response = post(
        client,
        "tickets",
        {
            "subject": "A chef on board",
            "body": "Dinner for 8",
            "kind": "itinerary",
            "booking": booking.reference.lower(),
        },
        customer,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    ticket = Ticket.objects.get()
    assert (
        body["id"] == ticket.pk and body["status"] == "new" and body["booking"] == booking.reference
    )
    assert body["reply_address"] == threading.reply_address(ticket.pk)
    assert [m["body"] for m in body["messages"]] == ["Dinner for 8"]
    assert ticket.channel == "api"
    assert templates_sent()[-2:] == ["ticket_received", "staff_new_ticket"]

    ticket_answer(ticket=ticket, by=staff, body="Chef Marco, 8pm")
    ticket_answer(ticket=ticket, by=staff, body="internal only", internal=True)
    listing = client.get(ROOT + "tickets", **auth(customer)).json()
    assert listing["count"] == 1 and listing["items"][0]["status"] == "waiting"
    detail = client.get(f"{ROOT}tickets/{ticket.pk}", **auth(customer)).json()
    assert [(m["author"], m["body"]) for m in detail["messages"]] == [
        ("customer", "Dinner for 8"),
        ("staff", "Chef Marco, 8pm"),
    ]
    reply = post(client, f"tickets/{ticket.pk}/replies", {"body": "Perfect"}, customer)
    assert reply.status_code == 201 and reply.json()["status"] == "open"


def test_another_customers_ticket_or_booking_is_404(client, customer):
    ticket = ticket_open(customer=customer, email="", subject="Mine", body="x", channel="account")
    eve = make_driver(email="eve@example.com")
    assert client.get(f"{ROOT}tickets/{ticket.pk}", **auth(eve)).status_code == 404
    assert post(client, f"tickets/{ticket.pk}/replies", {"body": "hi"}, eve).status_code == 404
    assert client.get(ROOT + "tickets", **auth(eve)).json()["count"] == 0
    theirs = make_booking(customer=customer)
    response = post(
        client, "tickets", {"subject": "s", "body": "b", "booking": theirs.reference}, eve
    )
    assert response.status_code == 404 and Ticket.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"subject": "  ", "body": "b"}, "subject"),
        ({"subject": "s", "body": "\x1f"}, "body"),
        ({"subject": "s", "body": "b\x00"}, "body"),
        ({"subject": "s", "body": "b", "kind": "party"}, "kind"),
        ({"subject": "s" * 201, "body": "b"}, "subject"),
    ],
)
def test_bad_input_is_400_and_writes_nothing(client, customer, body, field):
    response = post(client, "tickets", body, customer)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalid_input" and response.json()["field"] == field
    assert not Ticket.objects.exists()


def test_a_closed_ticket_is_409_and_no_token_is_401(client, customer, staff):
    ticket = ticket_open(customer=customer, email="", subject="s", body="b", channel="account")
    ticket_update(ticket=ticket, by=staff, status="closed")
    response = post(client, f"tickets/{ticket.pk}/replies", {"body": "hello"}, customer)
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert client.get(ROOT + "tickets").status_code == 401
    assert client.get(f"{ROOT}tickets/99999999999").status_code in (400, 401)


def test_opening_tickets_is_rate_limited(client, customer):
    for n in range(10):
        assert (
            post(client, "tickets", {"subject": f"s{n}", "body": "b"}, customer).status_code == 201
        )
    response = post(client, "tickets", {"subject": "one more", "body": "b"}, customer)
    assert response.status_code == 429 and int(response["Retry-After"]) > 0


def test_the_document_describes_the_ticket_operations(client):
    document = client.get(ROOT + "openapi.json").json()
    paths = document["paths"]
    assert {"get", "post"} <= set(paths[ROOT + "tickets"])
    assert "post" in paths[ROOT + "tickets/{ticket_id}/replies"]
    assert ROOT + "email/inbound" not in paths  # SendGrid's door, not the clients' API
