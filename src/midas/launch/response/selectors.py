"""Reads of the launch's response: each rollback trigger's current reading, the open
firings, and incidents with their escalation state (for the console, the CLI and
``midas incident list``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.models import Escalation, LaunchEvent, TriggerFiring
from midas.launch.response.triggers import TRIGGERS, Reading
from midas.status.models import Incident, IncidentStatus


def open_firings() -> dict[str, TriggerFiring]:
    return {f.trigger: f for f in TriggerFiring.objects.filter(cleared_at__isnull=True)}


def trigger_readings(*, now: dt.datetime | None = None) -> dict[str, Reading]:
    now = now or timezone.now()
    return {key: trigger.read(now) for key, trigger in TRIGGERS.items()}


def incident_evidence(incident: Incident) -> list[str]:
    """What happened, for the team's messages (never the public page): each rollback trigger
    firing behind the incident with what it read (counts, accounts, addresses), and a
    breach confirmed by a person."""
    lines = []
    for firing in TriggerFiring.objects.filter(incident=incident).order_by("fired_at", "id"):
        details = firing.details or {}
        summary = details.get("summary") or ", ".join(f"{k}: {v}" for k, v in details.items())
        lines.append(f"Trigger '{firing.trigger}' fired at {firing.fired_at:%H:%M} UTC: {summary}")
        confirmed = details.get("breach_confirmed")
        if confirmed:
            lines.append(f"Breach confirmed by {confirmed['by']}: {confirmed['reason']}")
    if not any(line.startswith("Breach confirmed") for line in lines):
        event = (
            LaunchEvent.objects.filter(
                action="launch.incident.breach_confirmed", details__incident=incident.pk
            )
            .order_by("-at")
            .first()
        )
        if event is not None:
            lines.append(f"Breach confirmed by {event.actor_label}: {event.reason}")
    return lines


def incident_get(incident_id: int | str) -> Incident:
    try:
        return Incident.objects.get(pk=int(incident_id))
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise AppError(ErrorCode.NOT_FOUND, f"No incident #{incident_id}.") from None


def ack_labels(incident_ids: Iterable[int]) -> dict[int, str]:
    """Who acknowledged each incident without a staff account, other than the e-mail's link
    (someone in PagerDuty's app): incident id → the recorded actor, ``PagerDuty: Ana Lopez``.
    From the audit trail, one query."""
    ids = sorted(set(incident_ids))
    if not ids:
        return {}
    events = (
        LaunchEvent.objects.filter(
            action="launch.incident.acknowledged",
            actor__isnull=True,
            details__incident__in=ids,
        )
        .exclude(via="link")
        .order_by("at", "id")
        .values_list("details", "actor_label")
    )
    return {details["incident"]: label for details, label in events}


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    escalation: Escalation | None
    age_minutes: int
    ack_label: str = ""  # acknowledged without an account: "PagerDuty: Ana Lopez"

    @property
    def level(self) -> int:
        return self.escalation.level if self.escalation else 0

    @property
    def acknowledged_by(self) -> str:
        esc = self.escalation
        if esc is None or esc.acknowledged_at is None:
            return ""
        if esc.acknowledged_by:
            return esc.acknowledged_by.email
        return self.ack_label or "link"


def incident_rows(*, open_only: bool = True, now: dt.datetime | None = None, limit: int = 50):
    """Incidents (newest first) with their escalation state."""
    now = now or timezone.now()
    qs = Incident.objects.all()
    if open_only:
        qs = qs.exclude(status=IncidentStatus.RESOLVED)
    incidents = list(qs.order_by("-started_at", "-id")[:limit])
    escalations = {
        e.incident_id: e
        for e in Escalation.objects.filter(incident__in=incidents)
        .select_related("acknowledged_by")
        .prefetch_related("notices")
    }
    labels = ack_labels(
        e.incident_id
        for e in escalations.values()
        if e.acknowledged_at is not None and e.acknowledged_by_id is None
    )
    return [
        IncidentRow(
            incident=i,
            escalation=escalations.get(i.pk),
            age_minutes=int(((i.resolved_at or now) - i.started_at).total_seconds() // 60),
            ack_label=labels.get(i.pk, ""),
        )
        for i in incidents
    ]
