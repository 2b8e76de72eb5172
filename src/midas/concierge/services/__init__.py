"""Writes of the concierge, one function per state change: ``tickets`` (open, reply,
answer, triage), ``email_in`` (an e-mail answer landing in its thread) and ``reviews``
(invite, submit, moderate)."""

from midas.concierge.services.email_in import InboundOutcome, email_receive
from midas.concierge.services.reviews import (
    review_invitations_send,
    review_moderate,
    review_submit,
)
from midas.concierge.services.tickets import (
    BODY_MAX,
    NAME_MAX,
    SUBJECT_MAX,
    saved_reply_render,
    ticket_answer,
    ticket_open,
    ticket_rate,
    ticket_reply,
    ticket_update,
)

__all__ = [
    "BODY_MAX",
    "NAME_MAX",
    "SUBJECT_MAX",
    "InboundOutcome",
    "email_receive",
    "review_invitations_send",
    "review_moderate",
    "review_submit",
    "saved_reply_render",
    "ticket_answer",
    "ticket_open",
    "ticket_rate",
    "ticket_reply",
    "ticket_update",
]
