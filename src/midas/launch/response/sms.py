"""SMS pages of the escalation: each level told texts its contacts' phones through Twilio.

When Twilio is configured (``notifications.sms.configured``: ``TWILIO_ACCOUNT_SID``,
``TWILIO_AUTH_TOKEN`` and a sender), every contact of the level told who has a phone
number gets one text with the incident, the level, why, and the acknowledge link — written
to the outbox in the notice's transaction, once per notice and number (the dedupe key
``sms:<notice>:<number>``), delivered by the worker with retries. Numbers are E.164,
checked when the contact is saved (``plan.team.contact_set``); one stored before that check
and not valid is skipped and logged, never failing the notice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from midas.launch.models import EscalationNotice, LaunchContact
from midas.notifications import sms
from midas.notifications.models import OutboxMessage
from midas.notifications.services import sms_enqueue
from midas.status.models import Incident

logger = logging.getLogger(__name__)

TITLE_LIMIT = 80  # an SMS page stays within two or three segments


def contact_phones(contacts: Iterable[LaunchContact]) -> list[str]:
    """The E.164 numbers of ``contacts`` (each once, in order); invalid ones skipped."""
    numbers: list[str] = []
    for contact in contacts:
        if not contact.phone:
            continue
        try:
            number = sms.normalize_e164(contact.phone)
        except ValueError:
            logger.warning("launch contact %s: phone is not E.164, not texted", contact.pk)
            continue
        if number not in numbers:
            numbers.append(number)
    return numbers


def sms_text(
    *, incident: Incident, level: int, level_name: str, why: str, acknowledged: bool, ack: str
) -> str:
    """``MIDAS incident #4 "Checkout failing" (major): level 2 (Management), unacknowledged.
    Acknowledge: https://…``"""
    title = " ".join(incident.title.split())
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1] + "…"
    state = " Already acknowledged." if acknowledged else ""
    return (
        f'MIDAS incident #{incident.pk} "{title}" ({incident.impact}): level {level} '
        f"({level_name}), {why}.{state} Acknowledge: {ack}"
    )


def text_level(
    *,
    notice: EscalationNotice,
    incident: Incident,
    contacts: Iterable[LaunchContact],
    level_name: str,
    acknowledged: bool,
    ack: str,
) -> list[OutboxMessage]:
    """Text the level's contacts (call inside the notice's transaction). Nothing when Twilio
    is not configured or nobody at the level has a phone."""
    if not sms.configured():
        return []
    body = sms_text(
        incident=incident,
        level=notice.level,
        level_name=level_name,
        why=notice.why,
        acknowledged=acknowledged,
        ack=ack,
    )
    return [
        sms_enqueue(
            to=number,
            body=body,
            template="launch.escalation",
            dedupe_key=f"sms:{notice.pk}:{number}",
        )
        for number in contact_phones(contacts)
    ]
