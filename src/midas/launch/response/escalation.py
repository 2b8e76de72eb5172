"""The escalation matrix (docs/explanation/launch-triggers-escalation.md).

Every open status-page incident has an ``Escalation`` clock from the moment it opened:

| level | who | told |
| --- | --- | --- |
| 1 | technical team | when the incident opens |
| 2 | management | at 15 minutes, unless acknowledged; critical: at 15 minutes anyway |
| 3 | executive | at 30 minutes, unless acknowledged; critical: at once (emergency) |

"Critical" is the incident's impact ``critical``. Each level is told once
(``EscalationNotice`` is unique per escalation and level, so two workers ticking at once
tell nobody twice): an email with the acknowledge link to each contact of the level
(``plan.selectors.level_contacts``: the contacts whose role has that
``escalation_level``; ``LAUNCH_TEAM_EMAIL`` when the level has no address) and a message
on the launch channel naming their Slack handles. A resolved incident escalates no more.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from midas.core.urls import absolute_reverse
from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.models import Escalation, EscalationNotice, LaunchContact
from midas.notifications.services import email_enqueue
from midas.status.models import Incident, IncidentImpact, IncidentStatus

logger = logging.getLogger(__name__)

LEVELS: dict[int, tuple[str, dt.timedelta]] = {
    1: ("Technical team", dt.timedelta(0)),
    2: ("Management", dt.timedelta(minutes=15)),
    3: ("Executive", dt.timedelta(minutes=30)),
}
ACK_SALT = "midas.launch.ack"
# An incident without an escalation is picked up when it opened within this window: one left
# open for days before this code ran pages nobody at once.
PICKUP_WINDOW = dt.timedelta(hours=24)


def due_levels(escalation: Escalation, impact: str, now: dt.datetime) -> list[tuple[int, str]]:
    """``[(level, why)]`` that should have been told by ``now`` (told or not)."""
    age = now - escalation.opened_at
    critical = impact == IncidentImpact.CRITICAL
    due = [(1, "opened")]
    for level in (2, 3):
        if critical and level == 3:
            due.append((3, "emergency"))
        elif age >= LEVELS[level][1]:
            if escalation.acknowledged_at is None:
                due.append((level, "unacknowledged"))
            elif critical:
                due.append((level, "severe"))
    return due


def ack_token(escalation: Escalation) -> str:
    """The secret in the acknowledge link: the row's random nonce, signed."""
    return signing.Signer(salt=ACK_SALT, sep=".").sign(escalation.ack_token)


def escalation_by_token(token: str) -> Escalation | None:
    try:
        nonce = signing.Signer(salt=ACK_SALT, sep=".").unsign(token)
    except signing.BadSignature:
        return None
    return Escalation.objects.select_related("incident").filter(ack_token=nonce).first()


def ack_url(escalation: Escalation) -> str:
    return absolute_reverse("launch_ack:ack", ack_token(escalation))


def level_contacts(level: int) -> list[LaunchContact]:
    """The team's contacts at ``level`` (the plan's team selector)."""
    from midas.launch.plan.selectors import level_contacts as from_team

    return list(from_team(level))


def contact_address(contact: LaunchContact) -> str:
    return contact.email or (contact.user.email if contact.user_id else "")


def escalation_start(*, incident: Incident, now: dt.datetime | None = None) -> Escalation:
    """The incident's escalation (created once), with every level due told."""
    now = now or timezone.now()
    escalation = Escalation.objects.filter(incident=incident).first()
    if escalation is None:
        try:
            with transaction.atomic():
                escalation = Escalation.objects.create(
                    incident=incident,
                    opened_at=incident.started_at or now,
                    ack_token=secrets.token_urlsafe(32),
                )
        except IntegrityError:  # another worker started it
            escalation = Escalation.objects.get(incident=incident)
    _tell_due(escalation, incident, now)
    return escalation


def escalation_tick(*, now: dt.datetime | None = None) -> list[EscalationNotice]:
    """Start the escalation of open incidents that have none (opened by staff in the admin
    or the console), and tell every level now due. Returns the notices written."""
    now = now or timezone.now()
    told: list[EscalationNotice] = []
    open_incidents = (
        Incident.objects.exclude(status=IncidentStatus.RESOLVED)
        .filter(started_at__lte=now)
        .filter(Q(escalation__isnull=False) | Q(started_at__gte=now - PICKUP_WINDOW))
    )
    for incident in open_incidents.order_by("started_at", "id"):
        before = set(
            EscalationNotice.objects.filter(escalation__incident=incident).values_list(
                "pk", flat=True
            )
        )
        escalation = escalation_start(incident=incident, now=now)
        told += list(escalation.notices.exclude(pk__in=before))
    return told


def _tell_due(escalation: Escalation, incident: Incident, now: dt.datetime) -> None:
    if incident.status == IncidentStatus.RESOLVED:
        return
    told = set(escalation.notices.values_list("level", flat=True))
    for level, why in due_levels(escalation, incident.impact, now):
        if level not in told:
            _notify(escalation, incident, level, why, now)


def _notify(
    escalation: Escalation, incident: Incident, level: int, why: str, now: dt.datetime
) -> EscalationNotice | None:
    """Tell ``level`` once: the notice row, the emails and the channel message commit
    together, or (another worker told it first) not at all."""
    contacts = level_contacts(level)
    addresses = sorted({a for a in map(contact_address, contacts) if a})
    addresses = addresses or list(settings.LAUNCH_TEAM_EMAIL)
    mentions = sorted(
        {(c.slack_user_id, c.slack_handle) for c in contacts if c.slack_user_id or c.slack_handle},
        key=lambda m: (m[1].lstrip("@").lower(), m[0]),
    )
    try:
        with transaction.atomic():
            notice = EscalationNotice.objects.create(
                escalation=escalation, level=level, at=now, why=why, recipients=addresses
            )
            Escalation.objects.filter(pk=escalation.pk, level__lt=level).update(level=level)
            context = _email_context(escalation, incident, level, why, now)
            for address in addresses:
                email_enqueue(
                    to=address,
                    template="launch_escalation",
                    context=context,
                    dedupe_key=f"escalation:{notice.pk}:{address}",
                )
            who = LEVELS[level][0]
            announce(
                event="launch.incident.escalated",
                text=f'Incident #{incident.pk} "{incident.title}" ({incident.impact}): '
                f"level {level} ({who}) told — {why}.",
                mentions=mentions,
                severity="danger" if level > 1 or incident.impact == "critical" else "warning",
                fields={"incident": incident.pk, "level": level, "why": why, "to": len(addresses)},
                dedupe_key=f"escalation-notice:{notice.pk}",
            )
            audit.record(
                "launch.incident.escalated",
                actor=actors.system("escalation"),
                reason=why,
                at=now,
                incident=incident.pk,
                level=level,
                recipients=addresses,
            )
    except IntegrityError:
        logger.info("escalation %s level %s already told", escalation.pk, level)
        return None
    escalation.level = max(escalation.level, level)
    return notice


def _email_context(
    escalation: Escalation, incident: Incident, level: int, why: str, now: dt.datetime
) -> dict:
    minutes = int((now - escalation.opened_at).total_seconds() // 60)
    return {
        "incident_id": incident.pk,
        "title": incident.title,
        "impact": incident.impact,
        "level": level,
        "level_name": LEVELS[level][0],
        "why": why,
        "minutes": minutes,
        "opened_at": escalation.opened_at,
        "acknowledged": escalation.acknowledged_at is not None,
        "ack_url": ack_url(escalation),
        "console_url": absolute_reverse("launch_console:incidents"),
    }


@transaction.atomic
def incident_acknowledge(
    *, incident: Incident, actor: actors.Actor, now: dt.datetime | None = None
) -> Escalation:
    """Someone has the incident in hand: no further unacknowledged escalation."""
    actors.require(actor, actors.ACK)
    now = now or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status == IncidentStatus.RESOLVED:
        raise AppError(ErrorCode.INVALID_STATE, f"Incident #{incident.pk} is already resolved.")
    escalation = Escalation.objects.filter(incident=incident).first()
    if escalation is None:
        escalation = escalation_start(incident=incident, now=now)
    escalation = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if escalation.acknowledged_at is not None:
        by = escalation.acknowledged_by.email if escalation.acknowledged_by else "link"
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"Incident #{incident.pk} was already acknowledged by {by} "
            f"at {escalation.acknowledged_at:%H:%M} UTC.",
        )
    escalation.acknowledged_at = now
    escalation.acknowledged_by = actor.user
    escalation.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit.record("launch.incident.acknowledged", actor=actor, at=now, incident=incident.pk)
    announce(
        event="launch.incident.acknowledged",
        text=f'Incident #{incident.pk} "{incident.title}" acknowledged by {actor.label} '
        f"({actor.via}).",
        severity="info",
        fields={"incident": incident.pk, "by": actor.label},
        dedupe_key=f"incident-ack:{escalation.pk}",
    )
    return escalation
