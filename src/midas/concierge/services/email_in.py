"""An e-mail answer landing in its ticket's thread, whichever way it came in (SendGrid's
Inbound Parse webhook or ``midas mail-in``): the reply address's token names the ticket,
and nothing else opens a thread."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from midas.concierge import threading
from midas.concierge.inbound import InboundEmail, reply_text
from midas.concierge.models import Ticket, TicketChannel, TicketStatus
from midas.concierge.services.tickets import (
    SUBJECT_MAX,
    checked_text,
    ticket_open,
    ticket_reply,
)


@dataclass(frozen=True)
class InboundOutcome:
    status: str  # threaded | duplicate | ignored | reopened_as_new | rejected
    ticket_id: int | None = None
    reason: str = ""


def email_receive(*, mail: InboundEmail, now: dt.datetime | None = None) -> InboundOutcome:
    """Land an e-mail answer in its ticket's thread, found by the reply address's token
    (To, Cc or the envelope); quoted text is cut off. Nothing else opens a thread: an
    unknown or forged address is ``rejected`` and nothing is written. The same Message-ID
    twice is a ``duplicate``; an automatic answer (out of office) is ``ignored``. An answer
    to a closed ticket opens a new one that names it."""
    ticket_id = threading.ticket_id_from_recipients(mail.recipients)
    ticket = Ticket.objects.filter(pk=ticket_id).first() if ticket_id else None
    if ticket is None:
        return InboundOutcome("rejected", reason="no valid reply address among the recipients")
    if mail.message_id and ticket.messages.filter(message_id=mail.message_id).exists():
        return InboundOutcome("duplicate", ticket_id=ticket.pk)
    if mail.automatic:  # an out-of-office must not reopen the ticket nor wake the team
        return InboundOutcome("ignored", ticket_id=ticket.pk, reason="an automatic reply")
    body = reply_text(mail.text) or "(no text)"
    if ticket.status == TicketStatus.CLOSED:
        new = ticket_open(
            email=ticket.email,
            name=ticket.name,
            customer=ticket.customer,
            subject=checked_text(f"Re: {ticket.subject}", "subject", SUBJECT_MAX)[:SUBJECT_MAX],
            body=f"(An answer to the closed ticket #{ticket.pk}.)\n\n{body}",
            channel=TicketChannel.EMAIL,
            kind=ticket.kind,
            booking=ticket.booking,
            attachments=mail.attachments,
            strict=False,
            message_id=mail.message_id[:255],
            now=now,
        )
        return InboundOutcome("reopened_as_new", ticket_id=new.pk)
    ticket_reply(
        ticket=ticket,
        body=body,
        channel=TicketChannel.EMAIL,
        attachments=mail.attachments,
        strict=False,
        message_id=mail.message_id[:255],
        now=now,
    )
    return InboundOutcome("threaded", ticket_id=ticket.pk)
