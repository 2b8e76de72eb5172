"""A ticket's reply address and its e-mail thread.

Every e-mail about a ticket goes out with ``Reply-To: <local>+<id>.<token>@<domain>`` (from
``CONCIERGE_REPLY_ADDRESS``), where ``token`` is an HMAC of the ticket id under the site's
``SECRET_KEY``: an answer to the e-mail comes back to that address, and the address alone
says which ticket it belongs to. Nobody can forge one for another ticket without the key,
and the token is compared in constant time. ``In-Reply-To`` and ``References`` carry the
Message-IDs of the thread so that the customer's mail program shows one conversation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from email.utils import getaddresses

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare, salted_hmac

SALT = "midas.concierge.reply-address"
TOKEN_LENGTH = 20  # hex characters: 80 bits
REFERENCES_KEPT = 10  # the last Message-IDs a reply names in References
# At the top of every e-mail to the customer: an answer is cut here (``inbound.reply_text``).
REPLY_MARKER = "## Reply above this line to answer your concierge ##"


def reply_token(ticket_id: int) -> str:
    return salted_hmac(SALT, str(ticket_id), algorithm="sha256").hexdigest()[:TOKEN_LENGTH]


def _base() -> tuple[str, str]:
    local, _, domain = settings.CONCIERGE_REPLY_ADDRESS.rpartition("@")
    return local, domain.lower()


def reply_address(ticket_id: int) -> str:
    local, domain = _base()
    return f"{local}+{ticket_id}.{reply_token(ticket_id)}@{domain}"


def ticket_id_from_address(address: str) -> int | None:
    """The ticket a reply address names, when its token is right; else None (an address
    of another domain, a tag that is not ours, a forged or mangled token)."""
    local, domain = _base()
    pattern = re.compile(
        rf"^{re.escape(local)}\+(\d{{1,12}})\.([0-9a-f]{{{TOKEN_LENGTH}}})@{re.escape(domain)}$",
        re.IGNORECASE,
    )
    found = pattern.match(address.strip())
    if found is None:
        return None
    ticket_id = int(found.group(1))
    if not constant_time_compare(found.group(2).lower(), reply_token(ticket_id)):
        return None
    return ticket_id


def ticket_id_from_recipients(recipients: Iterable[str]) -> int | None:
    """The first recipient (``To``/``Cc``/envelope, any form) that is a valid reply
    address."""
    for _, address in getaddresses(list(recipients)):
        found = ticket_id_from_address(address)
        if found is not None:
            return found
    return None


def thread_headers(message_ids: list[str]) -> dict[str, str]:
    """``In-Reply-To`` (the newest) and ``References`` (the last few) of a thread's ids."""
    ids = [mid for mid in message_ids if mid][-REFERENCES_KEPT:]
    if not ids:
        return {}
    return {"In-Reply-To": ids[-1], "References": " ".join(ids)}


# --- "How did we do?" links -----------------------------------------------------------------

SATISFACTION_SALT = "midas.concierge.satisfaction"
SATISFACTION_MAX_AGE = 30 * 24 * 60 * 60  # a resolved ticket's links work for 30 days


def satisfaction_token(ticket_id: int) -> str:
    """The signed id in a resolved ticket's "how did we do" links: no sign-in needed (a
    visitor without an account can answer), and no other ticket can be rated with it."""
    return signing.dumps(ticket_id, salt=SATISFACTION_SALT)


def ticket_id_from_satisfaction_token(token: str) -> int | None:
    try:
        value = signing.loads(token, salt=SATISFACTION_SALT, max_age=SATISFACTION_MAX_AGE)
    except signing.BadSignature:
        return None
    return value if isinstance(value, int) else None
