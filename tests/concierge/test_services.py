"""Tickets' write path: opening, the thread both ways, triage, timers and e-mails."""

from __future__ import annotations

import datetime as dt

import pytest

from midas.concierge import threading
from midas.concierge.attachments import Upload
from midas.concierge.models import SavedReply, Ticket, TicketAttachment, TicketStatus
from midas.concierge.selectors import inbox, ticket_of_customer, timers
from midas.concierge.services import (
    saved_reply_render,
    ticket_answer,
    ticket_open,
    ticket_reply,
    ticket_update,
)
from midas.concierge.threading import REPLY_MARKER
from midas.errors import AppError
from midas.notifications.models import OutboxMessage
from tests.concierge.conftest import NOW, PDF, PNG
from tests.factories import make_booking, make_customer, outbox

pytestmark = pytest.mark.django_db


def open_one(customer, **kwargs):
    fields = {
        "customer": customer,
        "email": customer.email,
        "subject": "A table tonight",
        "body": "Dinner for four at 9, near the marina.",
        "channel": "account",
    }
    fields.update(kwargs)
    return ticket_open(**fields)


def test_opening_writes_the_ticket_its_message_and_both_emails_in_one_go(customer, clock):
    ticket = open_one(customer, attachments=[Upload("menu.pdf", PDF)])

    assert ticket.status == TicketStatus.NEW and ticket.customer == customer
    assert ticket.first_response_due == NOW + dt.timedelta(minutes=60)
    assert ticket.resolution_due == NOW + dt.timedelta(hours=24)
    [message] = ticket.messages.all()
    assert message.author == "customer" and message.body.startswith("Dinner for four")
    [attachment] = message.attachments.all()
    assert (attachment.filename, attachment.content_type) == ("menu.pdf", "application/pdf")
    assert attachment.file.read() == PDF
    ack, notice = outbox()
    assert (ack.to, ack.template) == ("ada@example.com", "ticket_received")
    assert ack.reply_to == threading.reply_address(ticket.pk)
    assert ack.reply_to.startswith(f"support+{ticket.pk}.") and REPLY_MARKER in ack.body_text
    assert (notice.to, notice.template) == ("concierge@midas.example", "staff_new_ticket")
    ticket.refresh_from_db()
    assert ticket.email_thread == [ack.message_id]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"subject": "   "}, "subject"),
        ({"body": ""}, "body"),
        ({"kind": "yacht-party"}, "kind"),
        ({"attachments": [Upload("evil.jpg", b"#!/bin/sh\nrm -rf /\n")]}, "attachments"),
        ({"attachments": [Upload("huge.png", PNG + b"\x00" * 1024 * 1024)]}, "attachments"),
        ({"attachments": [Upload(f"{n}.png", PNG) for n in range(4)]}, "attachments"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(customer, fields, field):
    with pytest.raises(AppError) as caught:
        open_one(customer, **fields)
    assert caught.value.code == "invalid_input" and caught.value.field == field
    assert not Ticket.objects.exists() and not OutboxMessage.objects.exists()
    assert not TicketAttachment.objects.exists()


def test_a_concierge_request_needs_the_customers_own_booking(customer):
    other = make_booking()
    with pytest.raises(AppError) as caught:
        open_one(customer, kind="chauffeur", booking=other)
    assert caught.value.code == "not_found"
    mine = make_booking(customer=customer)
    ticket = open_one(customer, kind="chauffeur", booking=mine)
    assert ticket.booking == mine and ticket.get_kind_display() == "Chauffeur"


def test_a_visitor_with_an_account_address_is_linked_to_the_account(customer):
    ticket = ticket_open(
        email="ADA@example.com", name="Ada", subject="Hi", body="Hello", channel="contact"
    )
    assert ticket.customer == customer
    stranger = ticket_open(
        email="bob@example.com", name="Bob", subject="Hi", body="Hello", channel="contact"
    )
    assert stranger.customer is None


def test_the_thread_goes_both_ways_with_the_timers(customer, staff, clock):
    ticket = open_one(customer)
    clock.advance(minutes=20)
    answer = ticket_answer(ticket=ticket, by=staff, body="Booked: Zuma at 9.")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.WAITING and ticket.assignee == staff
    assert ticket.first_response_at == NOW + dt.timedelta(minutes=20)
    assert not timers(ticket, clock()).get("first_response").late
    sent = outbox(template="ticket_answer")[0]
    assert sent.to == "ada@example.com" and "Booked: Zuma at 9." in sent.body_text
    assert sent.reply_to == threading.reply_address(ticket.pk)
    ack = outbox(template="ticket_received")[0]
    assert sent.headers == {"In-Reply-To": ack.message_id, "References": ack.message_id}
    assert answer.message_id == sent.message_id

    clock.advance(minutes=5)
    ticket_reply(ticket=ticket, body="Perfect, thank you", channel="account")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN
    assert outbox(template="staff_ticket_reply")[0].to == staff.email  # the assignee

    ticket_update(ticket=ticket, by=staff, status="resolved")
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.RESOLVED and ticket.resolved_at == clock()
    resolved = outbox(template="ticket_resolved")[0]
    assert resolved.headers["References"].split() == [ack.message_id, sent.message_id]

    ticket_reply(ticket=ticket, body="One more thing", channel="account")  # reopens
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.OPEN and ticket.resolved_at is None


def test_an_internal_note_is_never_sent_nor_shown(customer, staff):
    ticket = open_one(customer)
    ticket_answer(ticket=ticket, by=staff, body="VIP: call first", internal=True)
    ticket.refresh_from_db()
    assert ticket.status == TicketStatus.NEW and ticket.first_response_at is None
    assert not outbox(template="ticket_answer")
    from midas.concierge.selectors import public_messages

    assert [m.body for m in public_messages(ticket)] == ["Dinner for four at 9, near the marina."]


def test_a_closed_ticket_takes_no_more_messages(customer, staff):
    ticket = open_one(customer)
    ticket_update(ticket=ticket, by=staff, status="closed")
    with pytest.raises(AppError) as caught:
        ticket_reply(ticket=ticket, body="Hello?", channel="account")
    assert caught.value.code == "invalid_state"


def test_only_staff_answer_and_triage(customer):
    ticket = open_one(customer)
    with pytest.raises(AppError):
        ticket_answer(ticket=ticket, by=customer, body="I am staff")
    with pytest.raises(AppError):
        ticket_update(ticket=ticket, by=customer, status="closed")


def test_triage_sets_priority_assignee_and_tags(customer, staff):
    ticket = open_one(customer)
    ticket_update(
        ticket=ticket, by=staff, priority="urgent", assignee=staff, tags=["VIP", "dubai", "vip"]
    )
    ticket.refresh_from_db()
    assert ticket.priority == "urgent" and ticket.assignee == staff
    assert sorted(t.name for t in ticket.tags.all()) == ["dubai", "vip"]
    with pytest.raises(AppError):
        ticket_update(ticket=ticket, by=staff, assignee=customer)  # not staff
    ticket_update(ticket=ticket, by=staff, assignee=None)
    ticket.refresh_from_db()
    assert ticket.assignee is None


def test_the_inbox_shows_late_tickets_and_the_most_urgent_first(customer, staff, clock):
    calm = open_one(customer, subject="calm")
    urgent = open_one(customer, subject="urgent")
    ticket_update(ticket=urgent, by=staff, priority="urgent")
    assert list(inbox(view="active", user=staff, now=clock())) == [urgent, calm]
    assert not inbox(view="late", user=staff, now=clock()).exists()
    later = clock.advance(minutes=61)
    assert set(inbox(view="late", user=staff, now=later)) == {calm, urgent}
    ticket_answer(ticket=calm, by=staff, body="On it")
    assert list(inbox(view="late", user=staff, now=later)) == [urgent]  # answered, late once
    calm.refresh_from_db()
    assert timers(calm, later)["first_response"].late
    assert list(inbox(view="mine", user=staff, now=later)) == [calm]
    assert list(inbox(view="active", user=staff, now=later, query=f"#{calm.pk}")) == [calm]


def test_a_customer_reaches_only_their_own_tickets(customer):
    ticket = open_one(customer)
    other = make_customer("bob@example.com")
    assert ticket_of_customer(ticket.pk, customer) == ticket
    with pytest.raises(AppError) as caught:
        ticket_of_customer(ticket.pk, other)
    assert caught.value.code == "not_found"


def test_a_saved_reply_names_the_customer_and_the_ticket(customer):
    ticket = open_one(customer)
    reply = SavedReply.objects.create(title="Thanks", body="Dear {name}, about {ticket}: done.")
    assert saved_reply_render(reply=reply, ticket=ticket) == (
        f"Dear Ada, about #{ticket.pk}: done."
    )


def test_reply_addresses_are_tied_to_their_ticket(settings):
    address = threading.reply_address(12)
    assert threading.ticket_id_from_address(address) == 12
    assert threading.ticket_id_from_address(address.upper()) == 12  # mail may change case
    forged = address.replace("support+12.", "support+13.")
    assert threading.ticket_id_from_address(forged) is None
    assert threading.ticket_id_from_address("support+12.0000@reply.midas.example") is None
    assert threading.ticket_id_from_address(address.replace("reply.", "")) is None
    assert threading.ticket_id_from_recipients([f"Midas <{address}>, x@y.z"]) == 12
    settings.SECRET_KEY = "another-key-entirely-" + "x" * 40
    assert threading.ticket_id_from_address(address) is None


def test_a_visitors_tickets_join_the_account_that_proves_the_address(customer):
    from midas.concierge.selectors import tickets_of
    from tests.factories import make_customer

    before = ticket_open(
        email="new@example.com", name="New", subject="Hi", body="Hello", channel="contact"
    )
    unverified = make_customer("new@example.com", verified=False)
    assert before.customer is None
    assert list(tickets_of(unverified)) == []  # an address nobody proved reaches nothing
    later = ticket_open(
        email="new@example.com", name="New", subject="Again", body="Hello", channel="contact"
    )
    assert later.customer is None  # not linked to an unproved account either
    unverified.email_verified_at = NOW
    unverified.save(update_fields=["email_verified_at"])
    assert set(tickets_of(unverified)) == {before, later}
    assert list(tickets_of(customer)) == []
