"""The chat panel's JSON endpoints as a browser uses them."""

from __future__ import annotations

import pytest
from django.test import Client

from midas.concierge.chat.models import ChatMessage, Conversation
from midas.concierge.chat.services import duty_on
from midas.concierge.chat.views.visitor import COOKIE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_on")]

START = {"name": "Nina", "email": "nina@example.com", "body": "Is the yacht free?", "page": "/"}


def test_state_says_who_is_on_duty_and_offers_the_contact_form(staff):
    client = Client()
    state = client.get("/chat/state").json()
    assert state == {
        "on_duty": False,
        "signed_in": False,
        "contact": "/contact/",
        "conversation": None,
    }
    assert "csrftoken" in client.cookies
    duty_on(user=staff)
    assert client.get("/chat/state").json()["on_duty"] is True


def test_an_anonymous_visitor_starts_and_comes_back_by_cookie(clock):
    client = Client()
    response = client.post("/chat/start", START, content_type="application/json")
    assert response.status_code == 201
    cookie = response.cookies[COOKIE]
    assert cookie["httponly"] and cookie["path"] == "/chat/" and cookie["samesite"] == "Lax"
    body = response.json()
    conversation = Conversation.objects.get()
    assert body["id"] == conversation.pk and body["events"] == f"/chat/events/{conversation.pk}"
    assert conversation.token_hash != cookie.value
    assert client.get("/chat/state").json()["conversation"]["id"] == conversation.pk
    # starting again with one open adds the line to it
    again = client.post("/chat/start", {"body": "Hello?"}, content_type="application/json")
    assert again.status_code == 200 and Conversation.objects.count() == 1
    assert (
        client.post(
            f"/chat/{conversation.pk}/say", {"body": "Anyone?"}, content_type="application/json"
        ).status_code
        == 201
    )
    assert (
        client.post(
            f"/chat/{conversation.pk}/page", {"page": "/cars/"}, content_type="application/json"
        ).status_code
        == 204
    )
    conversation.refresh_from_db()
    assert conversation.page == "/cars/" and conversation.messages.count() == 3
    assert client.post(f"/chat/{conversation.pk}/close").json()["status"] == "closed"
    assert client.get("/chat/state").json()["conversation"] is None


def test_someone_elses_conversation_is_404():
    owner = Client()
    owner.post("/chat/start", START, content_type="application/json")
    conversation = Conversation.objects.get()
    stranger = Client()
    for url in ("say", "page", "close"):
        response = stranger.post(
            f"/chat/{conversation.pk}/{url}",
            {"body": "x", "page": "/"},
            content_type="application/json",
        )
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ChatMessage.objects.count() == 1


def test_a_customer_is_known_by_their_account(customer):
    client = Client()
    client.force_login(customer)
    response = client.post("/chat/start", {"body": "Hi"}, content_type="application/json")
    assert response.status_code == 201 and COOKIE not in response.cookies
    assert Conversation.objects.get().customer == customer
    assert client.get("/chat/state").json()["signed_in"] is True


@pytest.mark.parametrize(
    ("data", "field"),
    [({**START, "email": "nope"}, "email"), ({**START, "body": ""}, "message")],
)
def test_bad_input_is_a_400_with_a_code_and_nothing_written(data, field):
    response = Client().post("/chat/start", data, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input" and response.json()["field"] == field
    assert not Conversation.objects.exists()
    response = Client().post("/chat/start", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"


def test_starting_is_rate_limited(settings, monkeypatch):
    from midas.accounts import ratelimit

    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_000.0)
    settings.RATE_LIMITS = {"chat_start": (2, 3600)}
    for _ in range(2):
        assert (
            Client().post("/chat/start", START, content_type="application/json").status_code == 201
        )
    response = Client().post("/chat/start", START, content_type="application/json")
    assert response.status_code == 429 and response.json()["code"] == "rate_limited"
    assert int(response["Retry-After"]) > 0
    assert Conversation.objects.count() == 2


def test_with_the_flag_off_the_panel_is_unavailable():
    from midas.flags.services import flag_write

    flag_write(key="live_chat", state="off")
    response = Client().get("/chat/state")
    assert response.status_code == 503 and response.json()["code"] == "feature_disabled"
    response = Client().post("/chat/start", START, content_type="application/json")
    assert response.status_code == 503 and not Conversation.objects.exists()


def test_posts_need_the_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/chat/start", START, content_type="application/json")
    assert response.status_code == 403
    client.get("/chat/state")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/chat/start", START, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert response.status_code == 201
