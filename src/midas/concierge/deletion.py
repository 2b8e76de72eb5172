"""The concierge's part in deleting an account (``midas.accounts.deletion``): the
customer's support tickets keep their timings and status (the support figures count them)
but lose what they said: name, address, subject, every message and attachment, the
satisfaction comment. Reviews stay (their rating counts in the asset's average) under
"Former guest", their comment erased."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q

from midas.accounts.deletion import PLACEHOLDER_DOMAIN, register
from midas.accounts.models import User
from midas.concierge.models import Review, Ticket, TicketAttachment, TicketMessage

ERASED = "[erased at the customer's request]"


def erase(user: User, now: dt.datetime, actor: object) -> dict[str, int]:
    tickets = Ticket.objects.filter(Q(customer=user) | Q(email__iexact=user.email))
    ids = list(tickets.values_list("pk", flat=True))
    for attachment in TicketAttachment.objects.filter(message__ticket_id__in=ids):
        attachment.file.delete(save=False)
        attachment.delete()
    TicketMessage.objects.filter(ticket_id__in=ids).update(body=ERASED, message_id="")
    for pk in ids:
        Ticket.objects.filter(pk=pk).update(
            customer=None,
            name="",
            email=f"deleted-ticket-{pk}@{PLACEHOLDER_DOMAIN}",
            subject="Erased",
            satisfaction_comment="",
            email_thread=[],
            updated_at=now,
        )
    reviews = Review.objects.filter(customer=user).update(
        display_name="Former guest", comment="", updated_at=now
    )
    return {"tickets": len(ids), "reviews": reviews}


register("concierge", erase=erase)
