"""Rollback triggers (docs/explanation/launch-triggers-escalation.md).

``TRIGGERS`` is the registry: one ``Trigger`` per condition of the plan's rollback plan,
each reading its current value with ``read(now)``. The worker calls
``triggers_evaluate()`` every minute (``midas.launch.jobs.response``):

- a trigger whose condition holds and has no open firing **fires**: a ``TriggerFiring``
  row (at most one open per trigger: a database constraint), a status-page incident
  (impact per trigger, with its components), the escalation started at level 1, and the
  launch channel told (severity danger). Then the action of ``LaunchState.trigger_action``:
  *recommend* (the announcement says which command to run) or *execute* (the rollback runs
  at once, after the firing has committed, as ``system:trigger``);
- a trigger still holding with its firing open does nothing new;
- an open firing whose condition no longer holds is **cleared**: ``cleared_at`` set, the
  incident updated to *monitoring* (never resolved automatically: a person decides).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.utils import timezone

from midas.errors import AppError
from midas.launch import actors, audit
from midas.launch.channel import announce
from midas.launch.models import TriggerAction, TriggerFiring
from midas.launch.state.selectors import launch_state
from midas.slo.recorder import minute_of
from midas.slo.selectors import MINUTE, OPERATORS, condition_held, minute_values
from midas.status.models import Component, IncidentImpact, IncidentStatus
from midas.status.services import incident_open, incident_update

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    holding: bool
    value: str  # the current value, for people
    details: dict = field(default_factory=dict)
    components: tuple[str, ...] = ()


@dataclass(frozen=True)
class Trigger:
    key: str
    title: str
    threshold: str  # the condition, for people
    impact: str
    components: tuple[str, ...]
    read: Callable[[dt.datetime], Reading]
    public_title: str  # on the public status page: no internal detail there
    doc: str = ""


def _streak(metric: str, op: str, threshold: float, minutes: int, now: dt.datetime) -> int:
    """How many complete minutes before ``now``, counting back, met the condition (up to
    ``minutes``); a minute without data ends the streak (as in ``condition_held``)."""
    end = minute_of(now)
    values = minute_values(metric, end - minutes * MINUTE, end)
    compare = OPERATORS[op]
    streak = 0
    for back in range(1, minutes + 1):
        value = values.get(end - back * MINUTE)
        if value is None or not compare(value, threshold):
            break
        streak += 1
    return streak


def read_downtime(now: dt.datetime) -> Reading:
    from midas.slo.models import ProbeResult

    held = condition_held("down", ">=", 1, DOWNTIME_MINUTES, now)
    streak = _streak("down", ">=", 1, DOWNTIME_MINUTES, now)
    end = minute_of(now)
    failing = ProbeResult.objects.filter(
        ok=False, minute__gte=end - DOWNTIME_MINUTES * MINUTE, minute__lt=end
    )
    components = tuple(sorted(set(failing.values_list("component", flat=True))))
    return Reading(
        holding=held,
        value=f"{streak} minute(s) with a failing probe",
        details={"down_minutes": streak, "components": list(components)},
        components=components,
    )


def read_error_rate(now: dt.datetime) -> Reading:
    held = condition_held("error_rate", ">", ERROR_RATE_PCT, ERROR_RATE_MINUTES, now)
    streak = _streak("error_rate", ">", ERROR_RATE_PCT, ERROR_RATE_MINUTES, now)
    last = minute_values("error_rate", minute_of(now) - MINUTE, minute_of(now))
    rate = next(iter(last.values()), None)
    shown = "no traffic" if rate is None else f"{rate:.2f}%"
    return Reading(
        holding=held,
        value=f"{shown} last minute; {streak} minute(s) above {ERROR_RATE_PCT:g}%",
        details={"minutes_above": streak, "last_minute_pct": rate},
    )


def read_security(now: dt.datetime) -> Reading:
    from midas.launch.security_signals import lockout_burst, security_reading, signal_window

    reading = security_reading(now=now)
    window = int(signal_window().total_seconds() // 60)
    value = f"{reading.lockouts} lockout(s) in {window} min"
    if reading.new_address_logins:
        value += "; staff sign-in from a new address: " + ", ".join(reading.new_address_logins)
    return Reading(
        holding=reading.holding,
        value=value,
        details={
            "lockouts": reading.lockouts,
            "burst": lockout_burst(),
            "new_address_logins": reading.new_address_logins,
        },
    )


def read_integrity(now: dt.datetime) -> Reading:
    from midas.launch.integrity import integrity_problems

    problems = integrity_problems(since=now - INTEGRITY_WINDOW)
    count = sum(len(v) for v in problems.values())
    value = "all checks pass" if not problems else f"{count} problem(s): " + ", ".join(problems)
    return Reading(holding=bool(problems), value=value, details={"problems": problems})


INTEGRITY_WINDOW = dt.timedelta(hours=24)  # reservations written this recently are checked
DOWNTIME_MINUTES = 5
ERROR_RATE_PCT = 1.0
ERROR_RATE_MINUTES = 10

TRIGGERS: dict[str, Trigger] = {
    t.key: t
    for t in (
        Trigger(
            key="downtime",
            title="Downtime",
            threshold=f"a probe failing in each of the last {DOWNTIME_MINUTES} minutes",
            impact=IncidentImpact.CRITICAL,
            components=("website",),
            read=read_downtime,
            public_title="Service disruption",
            doc="The plan's 'system downtime > 5 minutes', from the synthetic probes.",
        ),
        Trigger(
            key="error_rate",
            title="Error rate",
            threshold=f"> {ERROR_RATE_PCT:g}% 5xx in each of the last {ERROR_RATE_MINUTES} min",
            impact=IncidentImpact.MAJOR,
            components=("website", "api"),
            read=read_error_rate,
            public_title="Elevated error rate",
            doc="The plan's 'error rate > 1% for > 10 minutes', from the request minutes.",
        ),
        Trigger(
            key="security",
            title="Security signal",
            threshold="a lockout burst (default 5 in 10 min), or staff sign-in from a new address",
            impact=IncidentImpact.CRITICAL,
            components=(),
            read=read_security,
            public_title="Investigating a service issue",
            doc="The plan's 'security breach detected' (midas.launch.security_signals).",
        ),
        Trigger(
            key="integrity",
            title="Data integrity",
            threshold="a data-integrity check finds a problem",
            impact=IncidentImpact.CRITICAL,
            components=("booking", "payments"),
            read=read_integrity,
            public_title="Booking records under review",
            doc="The plan's 'data corruption identified' (midas.launch.integrity).",
        ),
    )
}


def open_firings() -> dict[str, TriggerFiring]:
    return {f.trigger: f for f in TriggerFiring.objects.filter(cleared_at__isnull=True)}


def trigger_readings(*, now: dt.datetime | None = None) -> dict[str, Reading]:
    now = now or timezone.now()
    return {key: trigger.read(now) for key, trigger in TRIGGERS.items()}


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


def trigger_fire(*, trigger: Trigger, reading: Reading, now: dt.datetime) -> TriggerFiring | None:
    """Fire ``trigger`` (None when another worker just did)."""
    from midas.launch.escalation import escalation_start

    action = launch_state(fresh=True).trigger_action
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
        from midas.launch.rollback import rollback_run
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
def _executed(firing: TriggerFiring, run, problem: str) -> None:
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
