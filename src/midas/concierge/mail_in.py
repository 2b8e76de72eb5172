"""``midas mail-in``: a small SMTP receiver (aiosmtpd) for the embedded default, so that an
answer to a ticket's e-mail lands in its thread without SendGrid.

Point the reply domain's MX (or a relay's "forward to host:port") at it. It takes mail only
for valid reply addresses: a recipient that is not one, or whose token is forged, is
refused at ``RCPT TO`` (550) and nothing is read; a message too big is refused by size
(552). An accepted message is parsed (``inbound.from_mime``) and handed to
``services.email_receive`` in a worker thread (the ORM is synchronous).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings
from django.db import close_old_connections, connections

from midas.concierge import threading

logger = logging.getLogger(__name__)


def size_limit() -> int:
    """The largest message taken: every attachment at its limit, base64-encoded, plus
    room for the text."""
    most = settings.CONCIERGE_ATTACHMENT_MAX_BYTES * settings.CONCIERGE_ATTACHMENTS_PER_MESSAGE
    return most * 4 // 3 + 1024 * 1024


def deliver(raw: bytes, mail_from: str, rcpt_tos: list[str]) -> str:
    """Parse and land one message (in a thread of its own); the outcome's status."""
    from midas.concierge.inbound import from_mime
    from midas.concierge.services import email_receive

    close_old_connections()
    try:
        mail = from_mime(raw, envelope_from=mail_from, envelope_to=rcpt_tos)
        outcome = email_receive(mail=mail)
        logger.info("mail-in: %s ticket=%s %s", outcome.status, outcome.ticket_id, outcome.reason)
        return outcome.status
    finally:
        connections.close_all()  # this worker thread's own: mail-in keeps none open


class Handler:
    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if threading.ticket_id_from_address(address) is None:
            logger.info("mail-in: refused recipient %s", address)
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        data = raw if isinstance(raw, bytes) else str(raw).encode()
        loop = asyncio.get_running_loop()
        try:
            status = await loop.run_in_executor(
                None, deliver, data, envelope.mail_from or "", list(envelope.rcpt_tos)
            )
        except Exception:  # the sender's server will retry later
            logger.exception("mail-in: could not land a message")
            return "451 4.3.0 Please try again later"
        if status == "rejected":
            return "550 5.1.1 No such conversation"
        return "250 OK"


def controller(host: str, port: int) -> Controller:
    return Controller(
        Handler(),
        hostname=host,
        port=port,
        data_size_limit=size_limit(),
        ident="Midas mail-in",
    )
