"""Writes of the launch's response (docs/explanation/launch-triggers-escalation.md).

- **Rollback triggers** (the registry is ``response.triggers``): ``triggers_evaluate()``
  every minute fires a trigger whose condition holds (``trigger_fire``: a ``TriggerFiring``,
  a status-page incident, the escalation started, the channel told; then recommend or
  execute the rollback by ``LaunchState.trigger_action``) and clears an open firing whose
  condition stopped holding (``trigger_clear``: the incident to *monitoring*).
- **Incidents** as the launch team handles them: opened (``incident_declare``), a breach
  confirmed (``incident_confirm_breach``: public, critical, rollback recommended), a
  staff-only one made public on purpose (``incident_make_public``) and
  resolved (``incident_close``) by a named person, on the status page, with the escalation started
  and the channel told (``midas incident ...`` and the console).

The escalation matrix and its writes are in ``response.escalation``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.models import LaunchEvent, RollbackRun, TriggerAction, TriggerFiring
from midas.launch.response.escalation import escalation_start
from midas.launch.response.triggers import TRIGGERS, Reading, Trigger
from midas.launch.state.selectors import launch_state
from midas.status.models import Component, Incident, IncidentImpact, IncidentStatus
from midas.status.services import (
    incident_make_public as status_incident_make_public,
)
from midas.status.services import (
    incident_open,
    incident_publish,
    incident_resolve,
    incident_update,
)

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
                if firing.action == TriggerAction.EXECUTE and not is_review(firing):
                    _execute(firing, trigger, reading, now)
        elif reading.holding and reading.severe and current is not None and is_review(current):
            firing = trigger_escalate(firing=current, trigger=trigger, reading=reading, now=now)
            if firing is not None and firing.action == TriggerAction.EXECUTE:
                _execute(firing, trigger, reading, now)
        elif not reading.holding and current is not None:
            trigger_clear(firing=current, reading=reading, now=now)
    return fired


def _components(trigger: Trigger, reading: Reading) -> list[str]:
    wanted = reading.components or trigger.components
    return list(Component.objects.filter(key__in=wanted).values_list("key", flat=True))


def rollback_command(trigger: Trigger) -> str:
    return f'midas launch rollback --reason "trigger {trigger.key}: {trigger.title}"'


REVIEW_IMPACT = IncidentImpact.MINOR  # a signal under review: level 1 told, no emergency
PUBLIC_BODY = (
    "Our monitoring detected a problem and the team has been alerted. We are investigating."
)


def is_review(firing: TriggerFiring) -> bool:
    """The firing opened a staff-only incident for review (and was not escalated since)."""
    return bool(firing.details.get("review"))


def _review_title(trigger: Trigger, reading: Reading) -> str:
    """A staff-only incident's title: what fired, for the team (never shown publicly:
    ``incident_publish`` gives the public title)."""
    return f"Review: {trigger.title.lower()} — {reading.value}"[:200]


def trigger_fire(
    *, trigger: Trigger, reading: Reading, now: dt.datetime, action: str | None = None
) -> TriggerFiring | None:
    """Fire ``trigger`` (None when another worker just did). ``action``: the launch state's
    ``trigger_action`` unless given (a firing recorded after an outage only recommends).

    A reading that is not ``severe`` (a security signal) opens a **staff-only** incident for
    review (impact minor, no component, nothing on the public pages) and recommends no
    rollback; ``trigger_escalate`` or ``incident_confirm_breach`` makes it public."""

    action = action or launch_state(fresh=True).trigger_action
    review = not reading.severe
    try:
        with transaction.atomic():
            firing = TriggerFiring.objects.create(
                trigger=trigger.key,
                fired_at=now,
                details={**reading.details, "summary": reading.value, "review": review},
                action=action,
            )
            incident = incident_open(
                title=_review_title(trigger, reading) if review else trigger.public_title,
                body=PUBLIC_BODY,
                impact=REVIEW_IMPACT if review else trigger.impact,
                components=[] if review else _components(trigger, reading),
                at=now,
                public=not review,
            )
            firing.incident = incident
            firing.save(update_fields=["incident"])
            audit.record(
                "launch.trigger.fired",
                actor=actors.system("trigger"),
                reason=reading.value,
                at=now,
                trigger=trigger.key,
                on_fire=action,
                incident=incident.pk,
                public=not review,
            )
            if review:
                announce(
                    event="launch.trigger.fired",
                    text=f"Security signal for review ('{trigger.key}'): {reading.value}. "
                    f"Staff-only incident #{incident.pk} (not on the public status page); "
                    "no rollback is called for. If a person finds a breach: "
                    f'midas incident confirm-breach {incident.pk} --reason "..."',
                    severity="warning",
                    fields={
                        "trigger": trigger.key,
                        "condition": trigger.threshold,
                        "incident": incident.pk,
                        "visibility": "staff only",
                    },
                    dedupe_key=f"trigger-fired:{firing.pk}",
                )
            else:
                announce(
                    event="launch.trigger.fired",
                    text=f"Rollback trigger '{trigger.key}' fired: {reading.value} — "
                    f"{_what(action, trigger)}",
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


def _what(action: str, trigger: Trigger) -> str:
    if action == TriggerAction.EXECUTE:
        return "executing the rollback now"
    return f"rollback recommended: {rollback_command(trigger)}"


@transaction.atomic
def trigger_escalate(
    *, firing: TriggerFiring, trigger: Trigger, reading: Reading, now: dt.datetime
) -> TriggerFiring | None:
    """A firing under review whose evidence now indicates a breach: its incident becomes
    public and critical (level 3 told at once), the rollback is recommended (or executed
    by the caller). None when another worker escalated it first."""
    firing = TriggerFiring.objects.select_for_update().get(pk=firing.pk)
    if not is_review(firing) or firing.cleared_at is not None:
        return None
    firing.details = {
        **firing.details,
        **reading.details,
        "summary": reading.value,
        "review": False,
        "escalated_at": now.isoformat(),
    }
    firing.save(update_fields=["details"])
    incident = firing.incident
    if incident is not None and incident.is_open:
        incident = incident_publish(
            incident=incident,
            title=trigger.public_title,
            body=PUBLIC_BODY,
            impact=trigger.impact,
            components=_components(trigger, reading),
            at=now,
        )
    else:  # the review was resolved (or deleted) while the signals went on: a new incident
        incident = incident_open(
            title=trigger.public_title,
            body=PUBLIC_BODY,
            impact=trigger.impact,
            components=_components(trigger, reading),
            at=now,
        )
        firing.incident = incident
        firing.save(update_fields=["incident"])
    audit.record(
        "launch.trigger.escalated",
        actor=actors.system("trigger"),
        reason=reading.value,
        at=now,
        trigger=trigger.key,
        on_fire=firing.action,
        incident=firing.incident_id,
    )
    announce(
        event="launch.trigger.escalated",
        text=f"Security signal '{trigger.key}' now indicates a breach: {reading.value}. "
        f"Incident #{firing.incident_id} is public and {trigger.impact} — "
        f"{_what(firing.action, trigger)}",
        severity="danger",
        fields={"trigger": trigger.key, "incident": firing.incident_id, "action": firing.action},
        dedupe_key=f"trigger-escalated:{firing.pk}",
    )
    escalation_start(incident=incident, now=now)
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
    kind = "Security signal under review" if is_review(firing) else "Rollback trigger"
    announce(
        event="launch.trigger.cleared",
        text=f"{kind} '{firing.trigger}' no longer holds ({reading.value}); "
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
    public: bool = True,
    now: dt.datetime | None = None,
) -> Incident:
    """Open a status-page incident and start its escalation (level 1 told now).
    ``public=False``: for the team only, never on the public pages."""
    actors.require(actor, actors.ACK)
    now = now or timezone.now()
    incident = incident_open(
        title=title,
        body=body,
        impact=impact,
        components=list(components),
        at=now,
        public=public,
    )
    audit.record(
        "launch.incident.opened",
        actor=actor,
        reason=title,
        at=now,
        incident=incident.pk,
        impact=impact,
        public=public,
    )
    shown = "" if public else ", staff only: not on the public status page"
    announce(
        event="launch.incident.opened",
        text=f"Incident #{incident.pk} opened by {actor.label}: {incident.title} "
        f"({impact}{shown}).",
        severity="danger"
        if impact in (IncidentImpact.MAJOR, IncidentImpact.CRITICAL)
        else "warning",
        fields={"incident": incident.pk, "impact": impact},
        dedupe_key=f"incident-open:{incident.pk}",
    )
    escalation_start(incident=incident, now=now)
    return incident


BREACH_CONFIRMED = "launch.incident.breach_confirmed"
BREACH_PUBLIC_TITLE = TRIGGERS["security"].public_title


def breach_confirmed(incident: Incident) -> bool:
    return LaunchEvent.objects.filter(
        action=BREACH_CONFIRMED, details__incident=incident.pk
    ).exists()


@transaction.atomic
def incident_confirm_breach(
    *,
    incident: Incident,
    reason: str,
    actor: actors.Actor,
    components: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Incident:
    """A person confirms a breach: recorded with the reason; the incident becomes public
    (the generic public title unless it was public already), its impact critical (the
    executives are told at once), the rollback recommended. Once per incident."""
    actors.require(actor, actors.ACK)
    reason = audit.on_the_record(reason)
    now = now or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if not incident.is_open:
        raise AppError(ErrorCode.INVALID_STATE, f"Incident #{incident.pk} is already resolved.")
    if breach_confirmed(incident):
        raise AppError(
            ErrorCode.INVALID_STATE, f"A breach is already confirmed on incident #{incident.pk}."
        )
    was_public = incident.public
    incident = incident_publish(
        incident=incident,
        title=incident.title if was_public else BREACH_PUBLIC_TITLE,
        body="We have identified a security issue and are taking action to protect our "
        "customers. We will post updates here.",
        impact=IncidentImpact.CRITICAL,
        status=IncidentStatus.IDENTIFIED,
        components=list(components),
        at=now,
    )
    firing = TriggerFiring.objects.filter(incident=incident).order_by("-fired_at").first()
    if firing is not None:
        firing.details = {
            **firing.details,
            "review": False,
            "breach_confirmed": {"by": actor.label, "at": now.isoformat(), "reason": reason},
        }
        firing.save(update_fields=["details"])
    command = f'midas launch rollback --reason "breach confirmed on incident #{incident.pk}"'
    audit.record(
        BREACH_CONFIRMED,
        actor=actor,
        reason=reason,
        at=now,
        incident=incident.pk,
        was_public=was_public,
    )
    announce(
        event=BREACH_CONFIRMED,
        text=f"Breach confirmed by {actor.label} on incident #{incident.pk}: {reason}. "
        f"The incident is public and critical — rollback recommended: {command}",
        severity="danger",
        fields={"incident": incident.pk, "by": actor.label, "impact": incident.impact},
        dedupe_key=f"breach-confirmed:{incident.pk}",
    )
    escalation_start(incident=incident, now=now)
    return incident


MADE_PUBLIC = "launch.incident.made_public"


def incident_make_public(
    *,
    incident: Incident,
    reason: str,
    actor: actors.Actor,
    title: str = "",
    body: str = "",
    now: dt.datetime | None = None,
) -> Incident:
    """A person makes a staff-only incident public on purpose (``midas incident publish``,
    the console): the status app's one way (``status.services.incident_make_public``), with
    the reason on the record. The launch's record and announcement are written by its
    receiver of ``incident_made_public`` (``launch.receivers``), so the admin's action is
    recorded and announced the same way. Not a breach: the impact stays, no rollback is
    recommended (``confirm-breach`` is that)."""
    actors.require(actor, actors.ACK)
    reason = audit.on_the_record(reason)
    return status_incident_make_public(
        incident=incident,
        reason=reason,
        by=actor.user or actor.label,
        via=actor.via,
        title=title,
        body=body,
        at=now,
    )


def incident_made_public_record(
    *, incident: Incident, reason: str, by: object, via: str, at: dt.datetime
) -> None:
    """Keep a staff-only incident made public in the launch's trail and warn the channel
    (the receiver of ``status.signals.incident_made_public``, in its transaction)."""
    actor = (
        actors.Actor(user=None, label=str(by or "someone"), via=via or "unknown")
        if by is None or isinstance(by, str)
        else actors.of_user(by, via or "admin")  # type: ignore[arg-type]
    )
    audit.record(
        MADE_PUBLIC,
        actor=actor,
        reason=reason,
        at=at,
        incident=incident.pk,
        impact=incident.impact,
        title=incident.title,
    )
    announce(
        event=MADE_PUBLIC,
        text=f"Incident #{incident.pk} made public by {actor.label}: “{incident.title}” is "
        "now on the status page",
        severity="warning",
        fields={"incident": incident.pk, "by": actor.label, "reason": reason},
        dedupe_key=f"incident-made-public:{incident.pk}",
    )


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
