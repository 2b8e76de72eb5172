"""The concierge's chat console: staff only; the waiting list, take, reply, close, a ticket
from a chat, the visitor's page and bookings, duty kept by the heartbeat."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from midas.concierge.chat import selectors
from midas.concierge.chat.models import ConversationStatus
from midas.concierge.chat.services import chat_start
from tests.factories import make_booking

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation():
    found, _ = chat_start(name="Nina", email="nina@example.com", body="Hi", page="/yachts/")
    return found


@pytest.fixture
def staff_client(staff):
    client = Client()
    client.force_login(staff)
    return client


def test_only_staff_see_the_console(customer, conversation):
    anonymous = Client().get("/staff/chat/")
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client = Client()
    client.force_login(customer)
    assert client.get("/staff/chat/").status_code == 404
    assert client.get(f"/staff/chat/{conversation.pk}/").status_code == 404
    assert client.post(f"/staff/chat/{conversation.pk}/take").status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.WAITING


def test_the_console_lists_who_waits(staff_client, conversation):
    page = staff_client.get("/staff/chat/")
    assert page.status_code == 200
    assert f"#{conversation.pk} Nina" in page.content.decode()
    assert b"chat/staff.js" in page.content and b"<script>" not in page.content


def test_take_reply_close_from_the_console(staff_client, staff, conversation):
    page = staff_client.get(f"/staff/chat/{conversation.pk}/").content.decode()
    assert "/yachts/" in page and "nina@example.com" in page and "Take this conversation" in page
    assert staff_client.post(f"/staff/chat/{conversation.pk}/take").status_code == 302
    conversation.refresh_from_db()
    assert conversation.taken_by == staff
    response = staff_client.post(
        f"/staff/chat/{conversation.pk}/say",
        {"body": "Good evening"},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 201
    response = staff_client.post(
        f"/staff/chat/{conversation.pk}/say", {"body": ""}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_input"
    staff_client.post(f"/staff/chat/{conversation.pk}/close")
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.CLOSED
    assert [m.body for m in conversation.messages.all()][2] == "Good evening"


def test_a_customers_bookings_show_beside_the_chat(staff_client, customer):
    booking = make_booking(customer=customer)
    found, _ = chat_start(customer=customer, body="About my booking")
    page = staff_client.get(f"/staff/chat/{found.pk}/").content.decode()
    assert booking.reference in page and "customer" in page


def test_a_chat_becomes_a_ticket_from_the_console(staff_client, conversation):
    response = staff_client.post(f"/staff/chat/{conversation.pk}/ticket")
    conversation.refresh_from_db()
    assert conversation.ticket_id is not None
    assert response["Location"] == f"/staff/tickets/{conversation.ticket_id}/"


def test_duty_on_off_and_the_heartbeat_keeps_it(clock, staff_client, conversation):
    # (the clock first: a session opened at today's date would have expired at the pinned one)
    staff_client.post("/staff/chat/duty", {"on": "1"})
    assert selectors.anyone_on_duty()
    clock.advance(seconds=80)
    data = staff_client.post("/staff/chat/heartbeat", {"conversation": conversation.pk}).json()
    assert data["on_duty"] is True and data["waiting"][0]["id"] == conversation.pk
    assert data["conversation"] == {"page": "/yachts/", "status": "waiting"}
    clock.advance(seconds=80)
    assert selectors.anyone_on_duty()  # the heartbeat moved it on
    staff_client.post("/staff/chat/duty", {"on": "0"})
    assert not selectors.anyone_on_duty()
    data = staff_client.post("/staff/chat/heartbeat").json()
    assert data["on_duty"] is False  # the heartbeat never puts anyone on duty
    assert not selectors.anyone_on_duty(now=clock.moment + dt.timedelta(seconds=1))


def test_the_public_pages_carry_the_panel_only_with_the_flag_on(
    db, django_capture_on_commit_callbacks
):
    from django.core.cache import cache

    from midas.flags.services import flag_write
    from midas.web.page_cache import local_first

    assert b"chat-panel" not in Client().get("/").content
    with django_capture_on_commit_callbacks(execute=True):
        flag_write(key="live_chat", state="on")
    cache.clear()  # the page cache keeps a page up to PAGE_CACHE_SECONDS after a flag moves
    local_first.clear()  # and so does this process's copy of it
    page = Client().get("/").content
    assert b'id="chat-panel"' in page and b"chat/chat.js" in page
    assert b"<script>" not in page and b'style="' not in page


def test_the_back_office_shows_conversations_read_only(conversation):
    from midas.accounts.models import User

    admin_user = User.objects.create_superuser("root@midas.example", "x" * 20)
    client = Client()
    client.force_login(admin_user)
    assert client.get("/admin/chat/conversation/").status_code == 200
    page = client.get(f"/admin/chat/conversation/{conversation.pk}/change/")
    assert page.status_code == 200 and b"Hi" in page.content
    assert client.get("/admin/chat/conversation/add/").status_code == 403
