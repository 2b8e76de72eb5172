"""Writes of the launch's response (docs/explanation/launch-triggers-escalation.md).

- **Rollback triggers** (the registry is ``response.triggers``): ``triggers_evaluate()``
  every minute fires a trigger whose condition holds (``trigger_fire``: a ``TriggerFiring``,
  a status-page incident, the escalation started, the channel told; then recommend or
  execute the rollback by ``LaunchState.trigger_action``) and clears an open firing whose
  condition stopped holding (``trigger_clear``: the incident to *monitoring*).
- **Incidents** as the launch team handles them: opened (``incident_declare``) and resolved
  (``incident_close``) by a named person, on the status page, with the escalation started
  and the channel told (``midas incident ...`` and the console).

The escalation matrix and its writes are in ``response.escalation``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.models import RollbackRun, TriggerAction, TriggerFiring
from midas.launch.response.escalation import escalation_start
from midas.launch.response.triggers import TRIGGERS, Reading, Trigger
from midas.launch.state.selectors import launch_state
from midas.status.models import Component, Incident, IncidentImpact, IncidentStatus
from midas.status.services import incident_open, incident_resolve, incident_update

logger = logging.getLogger(__name__)

# --- Rollback triggers ----------------------------------------------------------------------


def triggers_evaluate(*, now: dt.datetime | None = None) -> list[TriggerFiring]:
    """Read every trigger; fire, clear, or leave alone. Returns the firings made now."""
    now = now or timezone.now()
    fired = []
    for key, trigger in TRIGGERS.items():
        try:
            reading = trigger.read(now)
        except Exception:  # one broken reading must not silence the others
            logger.exception("rollback trigger %s could not be read", key)
            continue
        current = TriggerFiring.objects.filter(trigger=key, cleared_at__isnull=True).first()
        if reading.holding and current is None:
            firing = trigger_fire(trigger=trigger, reading=reading, now=now)
            if firing is not None:
                fired.append(firing)
                if firing.action == TriggerAction.EXECUTE:
                    _execute(firing, trigger, reading, now)
        elif not reading.holding and current is not None:
            trigger_clear(firing=current, reading=reading, now=now)
    return fired


def _components(trigger: Trigger, reading: Reading) -> list[str]:
    wanted = reading.components or trigger.components
    return list(Component.objects.filter(key__in=wanted).values_list("key", flat=True))


def rollback_command(trigger: Trigger) -> str:
    return f'midas launch rollback --reason "trigger {trigger.key}: {trigger.title}"'


def trigger_fire(
    *, trigger: Trigger, reading: Reading, now: dt.datetime, action: str | None = None
) -> TriggerFiring | None:
    """Fire ``trigger`` (None when another worker just did). ``action``: the launch state's
    ``trigger_action`` unless given (a firing recorded after an outage only recommends)."""

    action = action or launch_state(fresh=True).trigger_action
    try:
        with transaction.atomic():
            firing = TriggerFiring.objects.create(
                trigger=trigger.key, fired_at=now, details=reading.details, action=action
            )
            incident = incident_open(
                title=trigger.public_title,
                body="Our monitoring detected a problem and the team has been alerted. "
                "We are investigating.",
                impact=trigger.impact,
                components=_components(trigger, reading),
                at=now,
            )
            firing.incident = incident
            firing.save(update_fields=["incident"])
            what = (
                "executing the rollback now"
                if action == TriggerAction.EXECUTE
                else f"rollback recommended: {rollback_command(trigger)}"
            )
            audit.record(
                "launch.trigger.fired",
                actor=actors.system("trigger"),
                reason=reading.value,
                at=now,
                trigger=trigger.key,
                on_fire=action,
                incident=incident.pk,
            )
            announce(
                event="launch.trigger.fired",
                text=f"Rollback trigger '{trigger.key}' fired: {reading.value} — {what}",
                severity="danger",
                fields={
                    "trigger": trigger.key,
                    "condition": trigger.threshold,
                    "incident": incident.pk,
                    "action": action,
                },
                dedupe_key=f"trigger-fired:{firing.pk}",
            )
            escalation_start(incident=incident, now=now)
    except IntegrityError:
        logger.info("rollback trigger %s already open", trigger.key)
        return None
    return firing


def _execute(firing: TriggerFiring, trigger: Trigger, reading: Reading, now: dt.datetime) -> None:
    """The rollback, outside any transaction (it calls hooks and providers)."""
    reason = f"rollback trigger {trigger.key}: {reading.value}"
    try:
        from midas.launch.rollback.services import rollback_run
    except ImportError:
        _executed(firing, None, "the rollback is not available in this release")
        return
    try:
        run = rollback_run(actor=actors.system("trigger"), reason=reason, now=now)
    except AppError as exc:
        _executed(firing, None, f"refused ({exc.code}): {exc.message}")
        return
    except Exception as exc:  # the firing and its incident stand; people take over
        logger.exception("rollback after trigger %s failed", trigger.key)
        _executed(firing, None, f"failed: {type(exc).__name__}")
        return
    _executed(firing, run, "")


@transaction.atomic
def _executed(firing: TriggerFiring, run: RollbackRun | None, problem: str) -> None:
    if run is not None:
        firing.rollback = run
        firing.save(update_fields=["rollback"])
        return
    firing.details = {**firing.details, "rollback_problem": problem}
    firing.save(update_fields=["details"])
    audit.record(
        "launch.trigger.rollback_failed",
        actor=actors.system("trigger"),
        reason=problem,
        trigger=firing.trigger,
    )
    announce(
        event="launch.trigger.rollback_failed",
        text=f"Rollback after trigger '{firing.trigger}' did not run: {problem}. "
        "Roll back by hand: midas launch rollback --reason ...",
        severity="danger",
        dedupe_key=f"trigger-rollback-failed:{firing.pk}",
    )


@transaction.atomic
def trigger_clear(*, firing: TriggerFiring, reading: Reading, now: dt.datetime) -> TriggerFiring:
    """The condition stopped holding: close the firing, set the incident to monitoring."""
    updated = TriggerFiring.objects.filter(pk=firing.pk, cleared_at__isnull=True).update(
        cleared_at=now
    )
    if not updated:
        return firing
    firing.cleared_at = now
    incident = firing.incident
    if incident is not None and incident.status != IncidentStatus.RESOLVED:
        incident_update(
            incident=incident,
            status=IncidentStatus.MONITORING,
            body="The problem is no longer detected. We are monitoring before we close this.",
            at=now,
        )
    audit.record(
        "launch.trigger.cleared",
        actor=actors.system("trigger"),
        reason=reading.value,
        at=now,
        trigger=firing.trigger,
    )
    announce(
        event="launch.trigger.cleared",
        text=f"Rollback trigger '{firing.trigger}' no longer holds ({reading.value}); "
        "the incident is monitoring, resolve it when satisfied.",
        severity="warning",
        fields={"trigger": firing.trigger},
        dedupe_key=f"trigger-cleared:{firing.pk}",
    )
    return firing


# --- Incidents -------------------------------------------------------------------------------


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
