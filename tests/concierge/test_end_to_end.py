"""A ticket answered end to end by e-mail: a visitor writes on the contact page, the worker
sends the acknowledgement (mailbox backend), staff answer in the inbox, the worker sends the
answer, and the visitor answers *that e-mail* (its Reply-To and Message-ID, quoting it) to
``midas mail-in`` on loopback: the answer lands in the thread, the ticket is open again and
the team is told."""

from __future__ import annotations

import smtplib
import socket
import time
from email.message import EmailMessage

import pytest
from django.core import signing
from django.urls import reverse

from midas.concierge.forms import STARTED_SALT
from midas.concierge.mail_in import controller
from midas.concierge.models import Ticket, TicketStatus
from midas.notifications.delivery import deliver_due
from midas.notifications.models import MailboxMessage
from midas.notifications.selectors import latest_message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_a_ticket_answered_end_to_end_by_email(client, staff, settings):
    settings.EMAIL_BACKEND = "midas.notifications.backends.MailboxBackend"
    settings.MAILBOX_ECHO = False
    port = free_port()
    server = controller("127.0.0.1", port)
    server.start()
    try:
        client.post(
            reverse("web:contact"),
            {
                "name": "Bob Visitor",
                "email": "bob@example.com",
                "subject": "A yacht for a wedding",
                "body": "Sixty guests in June.",
                "website": "",
                "started": signing.dumps(time.time() - 30, salt=STARTED_SALT),
            },
        )
        ticket = Ticket.objects.get()
        deliver_due()
        ack = latest_message(to="bob@example.com")
        assert ack is not None and ack.reply_to.startswith(f"support+{ticket.pk}.")

        client.force_login(staff)
        client.post(
            reverse("concierge_staff:answer", args=[ticket.pk]),
            {"body": "Sea Breeze is free: shall we hold it?", "status": "waiting"},
        )
        deliver_due()
        answer = (
            MailboxMessage.objects.filter(recipient="bob@example.com")
            .exclude(pk=ack.pk)
            .latest("id")
        )
        assert "Sea Breeze is free" in answer.body_text
        assert answer.headers["In-Reply-To"] == ack.message_id
        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.WAITING

        reply = EmailMessage()
        reply["From"] = "Bob Visitor <bob@example.com>"
        reply["To"] = answer.reply_to
        reply["Subject"] = "Re: " + answer.subject
        reply["Message-ID"] = "<bob-1@mail.example.com>"
        reply["In-Reply-To"] = answer.message_id
        reply["References"] = f"{ack.message_id} {answer.message_id}"
        quoted = "\n".join("> " + line for line in answer.body_text.splitlines())
        reply.set_content(f"Yes please, hold it.\n\nOn Monday, Midas wrote:\n{quoted}\n")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(reply)

        ticket.refresh_from_db()
        assert ticket.status == TicketStatus.OPEN
        assert [m.body for m in ticket.messages.order_by("id")] == [
            "Sixty guests in June.",
            "Sea Breeze is free: shall we hold it?",
            "Yes please, hold it.",
        ]
        assert ticket.email_thread[-1] == "<bob-1@mail.example.com>"
        deliver_due()
        told = latest_message(to=staff.email)
        assert told is not None and "Yes please, hold it." in told.body_text
    finally:
        server.stop()
