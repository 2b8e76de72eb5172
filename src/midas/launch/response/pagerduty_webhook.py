"""PagerDuty telling us back: its Webhooks V3 (docs/explanation/launch-channel.md).

When the person on call acknowledges (or resolves) the alert in PagerDuty's app, PagerDuty
POSTs ``{"event": {"id", "event_type", "resource_type", "occurred_at", "agent": {"summary",
"type", ...}, "data": {"id", "type": "incident", "incident_key", "status", "title",
"html_url", ...}}}`` to ``/launch/pagerduty/webhook``.

1. **Size**: over ``MAX_BODY`` (256 KB: PagerDuty drops anything larger itself) is refused
   before anything is read further.
2. **Verify** ``X-PagerDuty-Signature``: ``v1=<hex HMAC-SHA256 of the raw body>`` per
   signing secret of the subscription, comma-separated while PagerDuty rotates it. One match
   against one of ``PAGERDUTY_WEBHOOK_SECRET`` (ours may hold two while we rotate) is enough;
   every comparison is constant-time. Else ``invalid_signature`` (401), nothing parsed.
3. **Parse**: not JSON, not an object, no ``event.id``/``event_type``, or (for the types we
   act on) no ``data.incident_key`` is ``invalid_input`` (400), nothing written. Other types
   (``incident.triggered``, ``incident.annotated``, ``pagey.ping``...) are ``ignored``.
4. **Find** the escalation by ``data.incident_key`` (the ``dedup_key`` we sent,
   ``escalation.page_key``); not ours, or unknown: ``ignored`` with a 200, because PagerDuty
   retries anything but a 2xx and a 4xx is dropped.
5. **Act**, idempotently (PagerDuty delivers at least once):
   - ``incident.acknowledged`` → ``escalation.incident_acknowledge`` by ``PagerDuty: <agent>``
     (``actors.pagerduty``), recorded and announced like any acknowledgement, the later
     levels stopped, and **no** ``acknowledge`` sent back to PagerDuty. Already acknowledged
     (our own acknowledge coming back, a retry): ``already_acknowledged``. Resolved here:
     ``ignored``.
   - ``incident.resolved`` → recorded (``launch.incident.pagerduty_resolved``, once per
     PagerDuty event) and announced to the team, and, when a person resolved it, the incident
     acknowledged if it was not (someone has it in hand: no management page at 15 minutes).
     The status page's incident stays open: what the public reads is a person's call in
     Midas (``midas incident resolve``, the console). Resolved here already (our own
     ``resolve`` coming back): ``ignored``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.models import Escalation, LaunchEvent
from midas.launch.response.escalation import escalation_by_page_key, incident_acknowledge
from midas.status.models import Incident, IncidentStatus

logger = logging.getLogger(__name__)

MAX_BODY = 256 * 1024  # PagerDuty never sends more (it drops webhooks over 256 KB)
ACKNOWLEDGED = "incident.acknowledged"
RESOLVED = "incident.resolved"
HANDLED = (ACKNOWLEDGED, RESOLVED)
RESOLVED_ACTION = "launch.incident.pagerduty_resolved"


@dataclass(frozen=True)
class PagerDutyEvent:
    id: str
    event_type: str
    incident_key: str
    agent: str  # agent.summary: the person's name (or the service's)
    agent_type: str  # user_reference, service_reference, ...
    occurred_at: dt.datetime | None
    url: str  # the PagerDuty incident's html_url


def webhook_secrets() -> list[str]:
    """``PAGERDUTY_WEBHOOK_SECRET``: one secret, or several comma-separated while rotating."""
    value = settings.PAGERDUTY_WEBHOOK_SECRET
    parts = value.split(",") if isinstance(value, str) else list(value or ())
    return [part.strip() for part in parts if part and part.strip()]


def signature_ok(payload: bytes, header: str | None, secrets: Sequence[str]) -> bool:
    """Whether one ``v1=`` signature in ``header`` is the HMAC-SHA256 of ``payload`` under
    one of ``secrets``. Every pair is compared, in constant time."""
    given = [
        part.strip()[3:].lower().encode("ascii", "replace")
        for part in (header or "").split(",")
        if part.strip().startswith("v1=")
    ]
    expected = [
        hmac.new(secret.encode("utf-8"), payload, hashlib.sha256).hexdigest().encode("ascii")
        for secret in secrets
        if secret
    ]
    ok = False
    for signature in given[:10]:  # PagerDuty sends one per secret: a handful at most
        for digest in expected:
            ok |= hmac.compare_digest(signature, digest)
    return ok


def _invalid(message: str) -> AppError:
    return AppError(ErrorCode.INVALID_INPUT, message)


def _text(value: Any, field: str, *, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _invalid(f"'{field}' is missing or not a string.")
    return value.strip()


def parse(payload: bytes) -> PagerDutyEvent | None:
    """The event, or None for a type we do not act on. Malformed: ``invalid_input``."""
    try:
        body = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _invalid("The body is not JSON.") from None
    event = body.get("event") if isinstance(body, dict) else None
    if not isinstance(event, dict):
        raise _invalid("'event' is missing or not an object.")
    event_id = _text(event.get("id"), "event.id")
    event_type = _text(event.get("event_type"), "event.event_type")
    if event_type not in HANDLED:
        return None
    data = event.get("data")
    if not isinstance(data, dict):
        raise _invalid("'event.data' is missing or not an object.")
    agent = event.get("agent")
    if agent is not None and not isinstance(agent, dict):
        raise _invalid("'event.agent' is not an object.")
    agent = agent or {}
    occurred_at = None
    if event.get("occurred_at") is not None:
        raw = _text(event.get("occurred_at"), "event.occurred_at")
        occurred_at = parse_datetime(raw.replace("Z", "+00:00"))
        if occurred_at is None or occurred_at.tzinfo is None:
            raise _invalid("'event.occurred_at' is not an ISO 8601 time with its offset.")
    return PagerDutyEvent(
        id=event_id[:100],
        event_type=event_type,
        incident_key=_text(data.get("incident_key"), "event.data.incident_key")[:255],
        agent=_text(agent.get("summary"), "event.agent.summary", required=False),
        agent_type=_text(agent.get("type"), "event.agent.type", required=False),
        occurred_at=occurred_at,
        url=_text(data.get("html_url"), "event.data.html_url", required=False)[:500],
    )


def pagerduty_webhook_receive(
    *, payload: bytes, signature: str | None, now: dt.datetime | None = None
) -> str:
    """Handle one delivery; returns what was done: ``acknowledged``,
    ``already_acknowledged``, ``recorded`` (a resolve in PagerDuty), ``duplicate`` or
    ``ignored``. Refusals are ``AppError``s, with nothing written."""
    secrets = webhook_secrets()
    if not secrets:
        raise AppError(ErrorCode.NOT_FOUND, "The PagerDuty webhook is not enabled.")
    if len(payload) > MAX_BODY:
        raise _invalid(f"The body is larger than {MAX_BODY // 1024} KB.")
    if not signature_ok(payload, signature, secrets):
        raise AppError(ErrorCode.INVALID_SIGNATURE, "The X-PagerDuty-Signature does not match.")
    event = parse(payload)
    if event is None:
        return "ignored"
    escalation = escalation_by_page_key(event.incident_key)
    if escalation is None:
        logger.info(
            "pagerduty webhook %s (%s): incident_key %r is none of ours; ignored",
            event.id,
            event.event_type,
            event.incident_key,
        )
        return "ignored"
    now = now or timezone.now()
    at = min(event.occurred_at, now) if event.occurred_at is not None else now
    at = max(at, escalation.opened_at)  # PagerDuty's clock, never before the incident opened
    if event.event_type == ACKNOWLEDGED:
        return _acknowledged(escalation, event, at)
    return _resolved(escalation, event, at)


def _acknowledged(escalation: Escalation, event: PagerDutyEvent, at: dt.datetime) -> str:
    incident = escalation.incident
    if incident.status == IncidentStatus.RESOLVED:
        return "ignored"
    if escalation.acknowledged_at is not None:
        return "already_acknowledged"
    try:
        incident_acknowledge(
            incident=incident, actor=actors.pagerduty(event.agent), now=at, page=False
        )
    except AppError as exc:  # acknowledged or resolved meanwhile (checked again under lock)
        if exc.code != ErrorCode.INVALID_STATE:
            raise
        return "already_acknowledged"
    return "acknowledged"


@transaction.atomic
def _resolved(escalation: Escalation, event: PagerDutyEvent, at: dt.datetime) -> str:
    incident = Incident.objects.select_for_update().get(pk=escalation.incident_id)
    if incident.status == IncidentStatus.RESOLVED:
        return "ignored"  # resolved here too (our own resolve, coming back)
    if LaunchEvent.objects.filter(action=RESOLVED_ACTION, details__event=event.id).exists():
        return "duplicate"
    actor = actors.pagerduty(event.agent)
    audit.record(
        RESOLVED_ACTION,
        actor=actor,
        reason="resolved in PagerDuty; the incident stays open in Midas",
        at=at,
        incident=incident.pk,
        event=event.id,
        pagerduty_incident=event.url,
    )
    announce(
        event=RESOLVED_ACTION,
        text=f'Incident #{incident.pk} "{incident.title}" resolved in PagerDuty by '
        f"{actor.label.removeprefix('PagerDuty: ')}. It stays open on the status page until "
        f"someone resolves it in Midas (console, or `midas incident resolve {incident.pk}`).",
        severity="warning",
        fields={"incident": incident.pk, "by": actor.label},
        dedupe_key=f"pagerduty-resolved:{event.id}",
    )
    person = event.agent_type in ("user", "user_reference")
    escalation = Escalation.objects.get(pk=escalation.pk)  # fresh, with the incident locked
    if person and escalation.acknowledged_at is None:
        incident_acknowledge(incident=incident, actor=actor, now=at, page=False)
    return "recorded"
