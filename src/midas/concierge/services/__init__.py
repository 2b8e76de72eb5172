"""Writes of the concierge, one function per state change: ``tickets`` (open, reply,
answer, triage) and ``email_in`` (an e-mail answer landing in its thread)."""

from midas.concierge.services.email_in import InboundOutcome, email_receive
from midas.concierge.services.tickets import (
    BODY_MAX,
    NAME_MAX,
    SUBJECT_MAX,
    saved_reply_render,
    ticket_answer,
    ticket_open,
    ticket_reply,
    ticket_update,
)

__all__ = [
    "BODY_MAX",
    "NAME_MAX",
    "SUBJECT_MAX",
    "InboundOutcome",
    "email_receive",
    "saved_reply_render",
    "ticket_answer",
    "ticket_open",
    "ticket_reply",
    "ticket_update",
]
