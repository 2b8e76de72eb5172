"""Incidents as the launch team handles them: opened and resolved by a named person, on the
status page, with the escalation started and the channel told (``midas incident ...`` and
the console). Reads for the incident list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.escalation import escalation_start
from midas.launch.models import Escalation
from midas.status.models import Incident, IncidentImpact, IncidentStatus
from midas.status.services import incident_open, incident_resolve


@transaction.atomic
def incident_declare(
    *,
    title: str,
    body: str,
    impact: str,
    actor: actors.Actor,
    components: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Incident:
    """Open a status-page incident and start its escalation (level 1 told now)."""
    actors.require(actor, actors.ACK)
    now = now or timezone.now()
    incident = incident_open(
        title=title, body=body, impact=impact, components=list(components), at=now
    )
    audit.record(
        "launch.incident.opened",
        actor=actor,
        reason=title,
        at=now,
        incident=incident.pk,
        impact=impact,
    )
    announce(
        event="launch.incident.opened",
        text=f"Incident #{incident.pk} opened by {actor.label}: {incident.title} ({impact}).",
        severity="danger"
        if impact in (IncidentImpact.MAJOR, IncidentImpact.CRITICAL)
        else "warning",
        fields={"incident": incident.pk, "impact": impact},
        dedupe_key=f"incident-open:{incident.pk}",
    )
    escalation_start(incident=incident, now=now)
    return incident


@transaction.atomic
def incident_close(
    *, incident: Incident, body: str, actor: actors.Actor, now: dt.datetime | None = None
) -> Incident:
    """Resolve the incident on the status page; its escalation stops."""
    actors.require(actor, actors.ACK)
    now = now or timezone.now()
    incident_resolve(incident=incident, body=body, at=now)
    audit.record("launch.incident.resolved", actor=actor, reason=body, at=now, incident=incident.pk)
    announce(
        event="launch.incident.resolved",
        text=f"Incident #{incident.pk} resolved by {actor.label}: {incident.title}.",
        severity="good",
        fields={"incident": incident.pk},
        dedupe_key=f"incident-resolved:{incident.pk}",
    )
    return Incident.objects.get(pk=incident.pk)


def incident_get(incident_id: int | str) -> Incident:
    try:
        return Incident.objects.get(pk=int(incident_id))
    except (Incident.DoesNotExist, ValueError, TypeError):
        raise AppError(ErrorCode.NOT_FOUND, f"No incident #{incident_id}.") from None


@dataclass(frozen=True)
class IncidentRow:
    incident: Incident
    escalation: Escalation | None
    age_minutes: int

    @property
    def level(self) -> int:
        return self.escalation.level if self.escalation else 0

    @property
    def acknowledged_by(self) -> str:
        esc = self.escalation
        if esc is None or esc.acknowledged_at is None:
            return ""
        return esc.acknowledged_by.email if esc.acknowledged_by else "link"


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
    return [
        IncidentRow(
            incident=i,
            escalation=escalations.get(i.pk),
            age_minutes=int(((i.resolved_at or now) - i.started_at).total_seconds() // 60),
        )
        for i in incidents
    ]
