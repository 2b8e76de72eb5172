"""Rollback triggers (docs/explanation/launch-triggers-escalation.md): the registry.

``TRIGGERS`` is the registry: one ``Trigger`` per condition of the plan's rollback plan,
each reading its current value with ``read(now)`` (reads only). The worker calls
``response.services.triggers_evaluate()`` every minute (``midas.launch.response.jobs``):

- a trigger whose condition holds and has no open firing **fires**: a ``TriggerFiring``
  row (at most one open per trigger: a database constraint), a status-page incident
  (impact per trigger, with its components; staff-only, minor and with no rollback
  recommended when the reading is not ``severe``: a security signal for review, made public
  once the evidence indicates a breach), the escalation started at level 1, and the
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

from django.conf import settings

from midas.slo.recorder import minute_of
from midas.slo.selectors import MINUTE, OPERATORS, condition_held, minute_values
from midas.status.models import IncidentImpact

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reading:
    holding: bool
    value: str  # the current value, for people
    details: dict = field(default_factory=dict)
    components: tuple[str, ...] = ()
    # The evidence is enough for a public incident and a rollback recommendation. When a
    # holding reading is not severe (a security signal), the firing opens a staff-only
    # incident for review instead (``services.trigger_fire``).
    severe: bool = True


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

    minutes = downtime_minutes()
    held = condition_held("down", ">=", 1, minutes, now)
    streak = _streak("down", ">=", 1, minutes, now)
    end = minute_of(now)
    failing = ProbeResult.objects.filter(  # planned maintenance is no failure
        ok=False, maintenance=False, minute__gte=end - minutes * MINUTE, minute__lt=end
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
    from midas.launch.response.security_signals import lockout_burst, security_reading

    reading = security_reading(now=now)
    return Reading(
        holding=reading.holding,
        value=reading.summary,
        details={
            "lockouts": reading.lockouts,
            "burst": lockout_burst(),
            "accounts": reading.accounts,
            "addresses": reading.addresses,
            "staff_locked": reading.staff_locked,
            "new_address_logins": reading.new_address_logins,
            "breach": reading.breach,
        },
        severe=bool(reading.breach),
    )


def read_integrity(now: dt.datetime) -> Reading:
    from midas.launch.response.integrity import integrity_problems

    problems = integrity_problems(since=now - INTEGRITY_WINDOW)
    count = sum(len(v) for v in problems.values())
    value = "all checks pass" if not problems else f"{count} problem(s): " + ", ".join(problems)
    return Reading(holding=bool(problems), value=value, details={"problems": problems})


INTEGRITY_WINDOW = dt.timedelta(hours=24)  # reservations written this recently are checked


def downtime_minutes() -> int:
    """The plan's 5 minutes (``LAUNCH_DOWNTIME_MINUTES``; the fault suite shortens it)."""
    return int(settings.LAUNCH_DOWNTIME_MINUTES)


ERROR_RATE_PCT = 1.0
ERROR_RATE_MINUTES = 10

TRIGGERS: dict[str, Trigger] = {
    t.key: t
    for t in (
        Trigger(
            key="downtime",
            title="Downtime",
            threshold=f"a probe failing in each of the last {downtime_minutes()} minutes",
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
            threshold="a lockout burst (default 5 in 10 min), a staff account locked out or a "
            "staff sign-in from a new address (for review, staff only); public with a rollback "
            "only when a staff account looks compromised or a person confirms a breach",
            impact=IncidentImpact.CRITICAL,
            components=(),
            read=read_security,
            public_title="Investigating a service issue",
            doc="The plan's 'security breach detected' (midas.launch.response.security_signals): "
            "a signal is reviewed by staff first; only breach evidence goes public.",
        ),
        Trigger(
            key="integrity",
            title="Data integrity",
            threshold="a data-integrity check finds a problem",
            impact=IncidentImpact.CRITICAL,
            components=("booking", "payments"),
            read=read_integrity,
            public_title="Booking records under review",
            doc="The plan's 'data corruption identified' (midas.launch.response.integrity).",
        ),
    )
}
