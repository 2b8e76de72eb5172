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
``escalation_level``; ``LAUNCH_TEAM_EMAIL`` when the level has no address), a message
on the launch channel mentioning them (``<@U…>`` by Slack member id) and, with
``PAGERDUTY_ROUTING_KEY``, a page (a PagerDuty trigger on the incident's one alert; the
acknowledgement acknowledges it, the resolution resolves it at once) and, with Twilio
configured, an SMS with the acknowledge link to each contact of the level who has a phone
(``response.sms``). Levels 2 and 3 say what
has happened since (``since_opened``). A resolved incident escalates no more. An
acknowledgement made in PagerDuty's app comes back through its webhook
(``pagerduty_webhook``) and acknowledges the incident here, without an echo.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from urllib.parse import urlsplit

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
from midas.launch.response.sms import text_level
from midas.notifications.models import OutboxChannel, OutboxMessage
from midas.notifications.services import email_enqueue, pagerduty_enqueue
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


def incident_evidence(incident: Incident) -> list[str]:
    """What happened (the response's selector), for the messages."""
    from midas.launch.response.selectors import incident_evidence as evidence

    return evidence(incident)


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
    pages_resolve()
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
            since = context["since"]
            fields = {"incident": incident.pk, "level": level, "why": why, "to": len(addresses)}
            if since:
                fields["since it opened"] = " ".join(since)
            announce(
                event="launch.incident.escalated",
                text=f'Incident #{incident.pk} "{incident.title}" ({incident.impact}): '
                f"level {level} ({who}) told — {why}.",
                mentions=mentions,
                severity="danger" if level > 1 or incident.impact == "critical" else "warning",
                fields=fields,
                dedupe_key=f"escalation-notice:{notice.pk}",
            )
            _page(escalation, incident, notice, since)
            texts = text_level(
                notice=notice,
                incident=incident,
                contacts=contacts,
                level_name=who,
                acknowledged=context["acknowledged"],
                ack=context["ack_url"],
            )
            audit.record(
                "launch.incident.escalated",
                actor=actors.system("escalation"),
                reason=why,
                at=now,
                incident=incident.pk,
                level=level,
                recipients=addresses,
                texted=len(texts),
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
        "since": since_opened(escalation, incident, now, level=level) if level > 1 else [],
        "minutes": minutes,
        "opened_at": escalation.opened_at,
        "acknowledged": escalation.acknowledged_at is not None,
        "ack_url": ack_url(escalation),
        "console_url": absolute_reverse("launch_console:incidents"),
        "public": incident.public,
        "what": incident_evidence(incident),
    }


@transaction.atomic
def incident_acknowledge(
    *,
    incident: Incident,
    actor: actors.Actor,
    now: dt.datetime | None = None,
    page: bool = True,
) -> Escalation:
    """Someone has the incident in hand: no further unacknowledged escalation. ``page``:
    acknowledge the PagerDuty alert too (False when the acknowledgement came from PagerDuty:
    no echo)."""
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
        by = acknowledged_by(escalation) or "link"
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
    if page and _paged(escalation):
        pagerduty_enqueue(
            action="acknowledge",
            dedup_key=page_key(escalation),
            dedupe_key=f"page-ack:{escalation.pk}",
        )
    return escalation


# --- What has happened since, and the pager --------------------------------------------------


def _at(moment: dt.datetime) -> str:
    from midas.launch.state.selectors import launch_state, local_zone

    return f"{moment.astimezone(local_zone(launch_state())):%H:%M %Z}"


def since_opened(
    escalation: Escalation, incident: Incident, now: dt.datetime, *, level: int = 4
) -> list[str]:
    """What has happened since the incident opened, for the levels told later (2 and 3): who
    was told, whether someone has it in hand, a rollback, the trigger's condition gone, the
    incident's status. Times in the plan's zone."""
    from midas.launch.models import RollbackRun, TriggerFiring

    lines = [
        f"Level {n.level} ({LEVELS[n.level][0]}) told at {_at(n.at)}."
        for n in escalation.notices.filter(at__lte=now, level__lt=level).order_by("level")
    ]
    if escalation.acknowledged_at is not None:
        by = acknowledged_by(escalation) or "the ack link"
        lines.append(f"Acknowledged by {by} at {_at(escalation.acknowledged_at)}.")
    else:
        lines.append("Nobody has acknowledged it yet.")
    firing = TriggerFiring.objects.filter(incident=incident).order_by("-fired_at").first()
    runs = RollbackRun.objects.filter(
        dry_run=False, started_at__gte=escalation.opened_at, started_at__lte=now
    ).order_by("started_at")
    for run in runs:
        outcome = "in progress" if run.ok is None else ("done" if run.ok else "FAILED")
        lines.append(
            f"Rolled back at {_at(run.started_at)} by {run.actor_label}"
            f"{' with a database restore' if run.restore else ''}: {outcome}."
        )
    if firing is not None and firing.rollback_id is None and not runs:
        problem = (firing.details or {}).get("rollback_problem")
        lines.append(
            f"Not rolled back: {problem}." if problem else "Not rolled back (recommended)."
        )
    if firing is not None and firing.cleared_at is not None:
        lines.append(f"Trigger '{firing.trigger}' no longer holds since {_at(firing.cleared_at)}.")
    if incident.status not in (IncidentStatus.INVESTIGATING, IncidentStatus.RESOLVED):
        update = incident.updates.filter(status=incident.status).order_by("created_at").first()
        when = f" since {_at(update.created_at)}" if update is not None else ""
        lines.append(f"Status: {incident.get_status_display().lower()}{when}.")
    return lines


def acknowledged_by(escalation: Escalation) -> str:
    """Who acknowledged: the staff account's email, the name PagerDuty gave (``PagerDuty: Ana
    Lopez``), or ``""`` (not acknowledged, or by the e-mail's link)."""
    from midas.launch.response.selectors import ack_labels

    if escalation.acknowledged_at is None:
        return ""
    if escalation.acknowledged_by is not None:
        return escalation.acknowledged_by.email
    return ack_labels([escalation.incident_id]).get(escalation.incident_id, "")


def page_key(escalation: Escalation) -> str:
    """The PagerDuty alert of one incident: its trigger, acknowledge and resolve share it."""
    return f"midas-incident-{escalation.incident_id}-{escalation.opened_at:%Y%m%dT%H%M}"


def escalation_by_page_key(key: str) -> Escalation | None:
    """The escalation whose alert ``key`` is (PagerDuty's ``incident_key`` is the dedup_key
    we sent), or None: not one of ours, or an incident that has since been reopened anew."""
    parts = str(key).split("-")
    if len(parts) != 4 or parts[:2] != ["midas", "incident"] or not parts[2].isdigit():
        return None
    escalation = (
        Escalation.objects.select_related("incident").filter(incident_id=int(parts[2])).first()
    )
    if escalation is None or page_key(escalation) != key:
        return None
    return escalation


def _paged(escalation: Escalation) -> bool:
    return OutboxMessage.objects.filter(
        channel=OutboxChannel.PAGERDUTY, to=page_key(escalation), template="pagerduty.trigger"
    ).exists()


def _page(
    escalation: Escalation, incident: Incident, notice: EscalationNotice, since: list[str]
) -> None:
    """Page the people on call (PagerDuty, when ``PAGERDUTY_ROUTING_KEY`` is set): every
    level told is a trigger on the incident's one alert."""
    if not settings.PAGERDUTY_ROUTING_KEY:
        return
    level, who = notice.level, LEVELS[notice.level][0]
    severe = incident.impact == IncidentImpact.CRITICAL or level == 3
    pagerduty_enqueue(
        action="trigger",
        dedup_key=page_key(escalation),
        summary=f'Incident #{incident.pk} "{incident.title}" ({incident.impact}): '
        f"level {level} ({who}) — {notice.why}",
        severity="critical" if severe else "error",
        source=urlsplit(settings.SITE_URL).hostname or "midas",
        component="launch",
        details={
            "incident": incident.pk,
            "level": level,
            "why": notice.why,
            **({"since it opened": " ".join(since)} if since else {}),
        },
        links=[
            {"href": ack_url(escalation), "text": "Acknowledge (stops the escalation)"},
            {"href": absolute_reverse("launch_console:incidents"), "text": "Launch console"},
        ],
        dedupe_key=f"page:{notice.pk}",
    )


def page_resolve(*, incident: Incident) -> OutboxMessage | None:
    """Resolve the incident's PagerDuty alert now (it has just been resolved: the launch hears
    ``status.signals.incident_resolved``), in the caller's transaction. Nothing when it was
    never paged; once only (the same outbox dedupe key as ``pages_resolve``, which stays as
    the safety net)."""
    escalation = Escalation.objects.filter(incident=incident).first()
    if escalation is None or not _paged(escalation):
        return None
    key = page_key(escalation)
    return pagerduty_enqueue(action="resolve", dedup_key=key, dedupe_key=f"page-resolve:{key}")


def pages_resolve() -> int:
    """Resolve the PagerDuty alert of every paged incident resolved and not yet resolved there
    (``page_resolve`` does it at once; this catches any it missed): run by each escalation
    tick. Returns how many resolves were queued."""
    paged = OutboxMessage.objects.filter(
        channel=OutboxChannel.PAGERDUTY, to__startswith="midas-incident-"
    )
    keys = set(paged.filter(template="pagerduty.trigger").values_list("to", flat=True))
    keys -= set(paged.filter(template="pagerduty.resolve").values_list("to", flat=True))
    ids = {int(key.split("-")[2]) for key in keys if key.split("-")[2].isdigit()}
    queued = 0
    for escalation in Escalation.objects.filter(
        incident_id__in=ids, incident__status=IncidentStatus.RESOLVED
    ):
        key = page_key(escalation)
        if key in keys:
            pagerduty_enqueue(action="resolve", dedup_key=key, dedupe_key=f"page-resolve:{key}")
            queued += 1
    return queued
