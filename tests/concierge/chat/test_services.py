"""Live chat's write path: start, say, take, close, a ticket from a chat, duty; permissions
and bad input (a clear code, nothing written)."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.concierge.chat import selectors
from midas.concierge.chat.models import (
    BODY_MAX,
    ChatMessage,
    Conversation,
    ConversationStatus,
    Duty,
    token_hash,
)
from midas.concierge.chat.services import (
    chat_close,
    chat_page,
    chat_say,
    chat_start,
    chat_take,
    chat_to_ticket,
    duty_off,
    duty_on,
)
from midas.concierge.models import Ticket, TicketMessage
from midas.errors import AppError, ErrorCode
from tests.concierge.conftest import NOW
from tests.factories import make_driver

pytestmark = pytest.mark.django_db


def start_anonymous(**extra):
    fields = {"name": "Nina Visitor", "email": "nina@example.com", "body": "Is the yacht free?"}
    return chat_start(**{**fields, **extra})


def test_an_anonymous_visitor_starts_with_a_token_kept_hashed(clock):
    conversation, token = start_anonymous(page="/yachts/")
    assert len(token) > 30
    assert conversation.token_hash == token_hash(token) and token not in conversation.token_hash
    assert conversation.status == ConversationStatus.WAITING
    assert conversation.page == "/yachts/"
    assert conversation.created_at == conversation.last_message_at == NOW
    [message] = conversation.messages.all()
    assert (message.author, message.body) == ("visitor", "Is the yacht free?")
    assert selectors.open_conversation(user=None, token=token) == conversation
    assert selectors.conversation_for(conversation.pk, user=None, token=token) == conversation


def test_a_customer_starts_without_a_token(customer):
    conversation, token = chat_start(customer=customer, body="Hello", name="x", email="bad")
    assert token == "" and conversation.token_hash == ""
    assert conversation.customer == customer and conversation.visitor_email == customer.email
    assert selectors.open_conversation(user=customer) == conversation


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"body": "  "}, "message"),
        ({"body": "x" * (BODY_MAX + 1)}, "message"),
        ({"name": ""}, "name"),
        ({"email": "not-an-address"}, "email"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(fields, field):
    with pytest.raises(AppError) as caught:
        start_anonymous(**fields)
    assert caught.value.code == ErrorCode.INVALID_INPUT and caught.value.field == field
    assert caught.value.status == 400
    assert not Conversation.objects.exists() and not ChatMessage.objects.exists()


def test_another_site_is_never_kept_as_the_page():
    conversation, _ = start_anonymous(page="https://evil.example/")
    assert conversation.page == ""
    chat_page(conversation=conversation, page="//evil.example/x")
    chat_page(conversation=conversation, page="/\\evil.example/x")
    chat_page(conversation=conversation, page="/cars/rolls-royce/?city=dubai")
    conversation.refresh_from_db()
    assert conversation.page == "/cars/rolls-royce/?city=dubai"
    chat_page(conversation=conversation, page="/account/password/reset/MQ/s3cret-token/")
    conversation.refresh_from_db()
    assert conversation.page == "/account/"  # a secret in a path never reaches the concierge


def test_a_visitor_reaches_only_their_own_conversation(customer):
    mine, token = start_anonymous()
    theirs, other_token = start_anonymous(email="other@example.com")
    customers, _ = chat_start(customer=customer, body="Hi")
    stranger = make_driver()
    for pk, user, tok in [
        (theirs.pk, None, token),
        (mine.pk, None, "wrong"),
        (mine.pk, None, ""),
        (customers.pk, stranger, ""),
        (customers.pk, None, other_token),
        (mine.pk, customer, ""),
        (999_999, None, token),
        (mine.pk, customer, "wrong"),
    ]:
        with pytest.raises(AppError) as caught:
            selectors.conversation_for(pk, user=user, token=tok)
        assert caught.value.code == ErrorCode.NOT_FOUND and caught.value.status == 404
    assert selectors.conversation_for(customers.pk, user=customer) == customers
    # a staff user reaches any only when asked as staff; a customer never so
    with pytest.raises(AppError):
        selectors.conversation_for(mine.pk, user=customer, staff=True)


def test_staff_take_answer_and_close(staff, clock):
    conversation, _ = start_anonymous()
    clock.advance(minutes=1)
    chat_take(conversation=conversation, by=staff)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ACTIVE and conversation.taken_by == staff
    chat_take(conversation=conversation, by=staff)  # the same person again: nothing changes
    reply = chat_say(conversation=conversation, body="It is.", by=staff, staff=True)
    assert reply.author == "staff"
    line = chat_say(conversation=conversation, body="Lovely")
    assert line.author == "visitor" and line.id > reply.id
    chat_close(conversation=conversation, by=staff)
    conversation.refresh_from_db()
    assert (
        conversation.status == ConversationStatus.CLOSED
        and conversation.closed_at == NOW + dt.timedelta(minutes=1)
    )
    authors = list(conversation.messages.values_list("author", flat=True))
    assert authors == ["visitor", "system", "staff", "visitor", "system"]
    with pytest.raises(AppError) as caught:
        chat_say(conversation=conversation, body="Hello?")
    assert caught.value.code == ErrorCode.INVALID_STATE and caught.value.status == 409
    chat_close(conversation=conversation)  # closed twice: nothing more
    assert conversation.messages.count() == 5


def test_a_staff_line_in_a_waiting_conversation_takes_it(staff):
    conversation, _ = start_anonymous()
    chat_say(conversation=conversation, body="Good evening", by=staff, staff=True)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.ACTIVE and conversation.taken_by == staff


def test_only_staff_take_answer_or_make_tickets(customer, staff):
    conversation, _ = start_anonymous()
    for call in (
        lambda: chat_take(conversation=conversation, by=customer),
        lambda: chat_say(conversation=conversation, body="x", by=customer, staff=True),
        lambda: chat_to_ticket(conversation=conversation, by=customer),
        lambda: duty_on(user=customer),
    ):
        with pytest.raises(AppError) as caught:
            call()
        assert caught.value.code == ErrorCode.FORBIDDEN
    assert conversation.messages.count() == 1


def test_taken_by_someone_else_is_a_conflict(staff):
    colleague = make_driver(is_staff=True)
    conversation, _ = start_anonymous()
    chat_take(conversation=conversation, by=staff)
    with pytest.raises(AppError) as caught:
        chat_take(conversation=conversation, by=colleague)
    assert caught.value.code == ErrorCode.INVALID_STATE


def test_a_conversation_becomes_a_ticket_once(staff, clock):
    conversation, _ = start_anonymous(page="/yachts/")
    chat_say(conversation=conversation, body="Let me check.", by=staff, staff=True)
    ticket_id = chat_to_ticket(conversation=conversation, by=staff)
    ticket = Ticket.objects.get(pk=ticket_id)
    assert ticket.email == "nina@example.com" and ticket.subject == f"Live chat #{conversation.pk}"
    first, note = TicketMessage.objects.filter(ticket=ticket).order_by("id")
    assert "Nina Visitor: Is the yacht free?" in first.body and "Let me check." in first.body
    assert note.internal and "/yachts/" in note.body
    conversation.refresh_from_db()
    assert conversation.ticket_id == ticket_id and conversation.status == ConversationStatus.CLOSED
    assert f"ticket #{ticket_id}" in conversation.messages.last().body
    with pytest.raises(AppError) as caught:
        chat_to_ticket(conversation=conversation, by=staff)
    assert caught.value.code == ErrorCode.INVALID_STATE
    assert Ticket.objects.count() == 1


def test_duty_lasts_until_the_heartbeat_stops(staff, clock, settings):
    settings.CHAT_DUTY_SECONDS = 90
    assert not selectors.anyone_on_duty()
    duty_on(user=staff)
    assert selectors.anyone_on_duty()
    clock.advance(seconds=60)
    duty_on(user=staff)  # the heartbeat
    clock.advance(seconds=60)
    assert selectors.anyone_on_duty()
    clock.advance(seconds=31)
    assert not selectors.anyone_on_duty()
    duty_on(user=staff)
    duty_off(user=staff)
    assert not selectors.anyone_on_duty()
    assert Duty.objects.count() == 1


def test_messages_after_an_id_in_order(staff):
    conversation, _ = start_anonymous()
    chat_say(conversation=conversation, body="two")
    chat_say(conversation=conversation, body="three", by=staff, staff=True)
    rows = selectors.messages_after(conversation.pk, 0)
    first = rows[0]["id"]
    assert [r["body"] for r in selectors.messages_after(conversation.pk, first)] == [
        "two",
        "Grace has joined the conversation.",
        "three",
    ]
    assert selectors.messages_after(conversation.pk, rows[-1]["id"]) == []
    assert rows[-1]["name"] == "Grace"
