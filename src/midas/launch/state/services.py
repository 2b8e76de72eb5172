"""Writes of the launch's state: phase, launch date and freeze window, access gate, traffic
ramp, capacity, trigger action. Each checks the actor's permission, changes the one row,
records the change (``launch.audit``) and tells the launch channel, in one transaction.
Other areas keep their own writes (``midas.launch.<area>.services``; the index is
``midas.launch``).
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.gonogo.selectors import soft_launch_share
from midas.launch.gonogo.services import go_required, refusals_kept
from midas.launch.models import GateMode, LaunchState, Phase, TriggerAction
from midas.launch.state.selectors import forget, state_row

ORDER = [
    Phase.PRELAUNCH,
    Phase.FREEZE,
    Phase.SOFT_LAUNCH,
    Phase.PUBLIC,
    Phase.STABILISATION,
    Phase.LAUNCHED,
]


def _save(row: LaunchState, actor: Actor, *fields: str) -> None:
    row.changed_by = actor.user
    row.save(update_fields=[*fields, "changed_by", "updated_at"])
    transaction.on_commit(forget)
    forget()


def allowed_phases(current: str) -> list[str]:
    """Where the launch may go from ``current``: any other phase of the plan (forward, or
    back a step to retry), or rolled back; "launched" only from stabilisation; once
    launched, only a rollback."""
    if current == Phase.LAUNCHED:
        return [Phase.ROLLED_BACK]
    options = [p for p in ORDER if p != current]
    if current != Phase.STABILISATION:
        options.remove(Phase.LAUNCHED)
    if current != Phase.ROLLED_BACK:
        options.append(Phase.ROLLED_BACK)
    return [str(p) for p in options]


@refusals_kept
@transaction.atomic
def phase_set(
    *,
    phase: str,
    actor: Actor,
    reason: str,
    at: dt.datetime | None = None,
    override_go: str = "",
) -> LaunchState:
    """Move the launch to ``phase``. Entering the public phase needs a standing GO
    (``gonogo.services.go_required``) or the coordinator's ``override_go`` reason."""
    actors.require(actor, actors.PHASE)
    reason = on_the_record(reason)
    if phase not in Phase.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown phase {phase!r}.", field="phase")
    row = state_row(for_update=True)
    if phase == row.phase:
        raise AppError(ErrorCode.INVALID_STATE, f"The launch is already in {phase}.", field="phase")
    if phase not in allowed_phases(row.phase):
        raise AppError(
            ErrorCode.INVALID_STATE,
            f"The launch cannot go from {row.phase} to {phase}.",
            field="phase",
        )
    before = row.phase
    standing = None
    if phase == Phase.PUBLIC:
        standing = go_required(
            what="entering the public phase",
            actor=actor,
            override=override_go,
            now=at,
            reason=reason,
        )
    overridden = standing is not None and not standing.ok
    row.phase, row.phase_changed_at = phase, at or timezone.now()
    _save(row, actor, "phase", "phase_changed_at")
    extra = {"go": standing.why, "overridden": overridden} if standing is not None else {}
    record(
        "launch.phase.changed",
        actor=actor,
        reason=reason,
        at=at,
        before=before,
        after=phase,
        **extra,
    )
    severity = "info"
    if phase == Phase.ROLLED_BACK:
        severity = "danger"
    elif overridden:
        severity = "warning"
    elif standing is not None:
        severity = "good"
    announce(
        event="launch.phase.changed",
        text=f"Launch phase: {Phase(before).label} → {Phase(phase).label}"
        + (" (go/no-go overridden: no standing GO)" if overridden else ""),
        severity=severity,
        fields={
            "by": actor.label,
            "reason": reason,
            **({"go/no-go": standing.why} if standing is not None else {}),
        },
    )
    return row


@transaction.atomic
def schedule_set(
    *,
    actor: Actor,
    reason: str,
    launch_date: dt.date | None,
    tz: str = "",
    freeze_starts_at: dt.datetime | None = None,
    freeze_ends_at: dt.datetime | None = None,
) -> LaunchState:
    """Set launch day (and its time zone, and an explicit freeze window if not the plan's)."""
    actors.require(actor, actors.PHASE)
    reason = on_the_record(reason)
    row = state_row(for_update=True)
    if tz:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise AppError(
                ErrorCode.INVALID_INPUT, f"Unknown time zone {tz!r}.", field="tz"
            ) from exc
        row.timezone = tz
    if freeze_starts_at and freeze_ends_at and freeze_ends_at <= freeze_starts_at:
        raise AppError(
            ErrorCode.INVALID_RANGE, "The freeze must end after it starts.", field="freeze"
        )
    row.launch_date = launch_date
    row.freeze_starts_at, row.freeze_ends_at = freeze_starts_at, freeze_ends_at
    _save(row, actor, "launch_date", "timezone", "freeze_starts_at", "freeze_ends_at")
    record(
        "launch.schedule.changed",
        actor=actor,
        reason=reason,
        launch_date=launch_date.isoformat() if launch_date else None,
        timezone=row.timezone,
    )
    return row


@refusals_kept
@transaction.atomic
def gate_set(
    *,
    mode: str,
    actor: Actor,
    reason: str,
    at: dt.datetime | None = None,
    override_go: str = "",
) -> LaunchState:
    """Set who may come in. Opening the gate to the public (from any other mode) needs a
    standing GO (``gonogo.services.go_required``) or the coordinator's ``override_go``
    reason, as entering the public phase does."""
    actors.require(actor, actors.PHASE)
    reason = on_the_record(reason)
    if mode not in GateMode.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown gate mode {mode!r}.", field="mode")
    row = state_row(for_update=True)
    before = row.gate_mode
    standing = None
    if mode == GateMode.PUBLIC and before != GateMode.PUBLIC:
        standing = go_required(
            what="opening the access gate to the public",
            actor=actor,
            override=override_go,
            now=at,
            reason=reason,
        )
    overridden = standing is not None and not standing.ok
    row.gate_mode = mode
    _save(row, actor, "gate_mode")
    record(
        "launch.gate.changed",
        actor=actor,
        reason=reason,
        at=at,
        before=before,
        after=mode,
        **({"go": standing.why, "overridden": overridden} if standing is not None else {}),
    )
    severity = "info"
    if overridden:
        severity = "warning"
    elif standing is not None:
        severity = "good"
    announce(
        event="launch.gate.changed",
        text=f"Access gate: {GateMode(before).label} → {GateMode(mode).label}"
        + (" (go/no-go overridden: no standing GO)" if overridden else ""),
        severity=severity,
        fields={
            "by": actor.label,
            "reason": reason,
            **({"go/no-go": standing.why} if standing is not None else {}),
        },
    )
    return row


def parse_percent(value: Decimal | float | str) -> Decimal:
    try:
        percent = Decimal(str(value).strip().rstrip("%"))
    except (InvalidOperation, ValueError) as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Not a percentage: {value!r}.", field="percent"
        ) from exc
    if not Decimal(0) <= percent <= Decimal(100) or percent != percent.quantize(Decimal("0.01")):
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "A percentage from 0 to 100, at most 2 decimals.",
            field="percent",
        )
    return percent


@refusals_kept
@transaction.atomic
def ramp_set(
    *,
    percent: Decimal | float | str,
    actor: Actor,
    reason: str,
    at: dt.datetime | None = None,
    override_go: str = "",
) -> LaunchState:
    """Admit ``percent`` % of new visitors. Raising it never turns anyone away; lowering it
    turns away admitted visitors whose bucket is above the new line (said in the record).
    Raising it past the soft launch's share (``gonogo.selectors.soft_launch_share``, the
    plan's 25 %) needs a standing GO or the coordinator's ``override_go`` reason."""
    actors.require(actor, actors.RAMP)
    reason = on_the_record(reason)
    percent = parse_percent(percent)
    row = state_row(for_update=True)
    before = Decimal(row.ramp_percent)
    standing = None
    if percent > before and percent > (share := soft_launch_share()):
        standing = go_required(
            what=f"ramping past the soft launch's {share:g}%",
            actor=actor,
            override=override_go,
            now=at,
            reason=reason,
        )
    overridden = standing is not None and not standing.ok
    if not row.ramp_salt:
        row.ramp_salt = secrets.token_hex(8)
    row.ramp_percent = percent
    _save(row, actor, "ramp_percent", "ramp_salt")
    disruptive = percent < before
    record(
        "launch.ramp.changed",
        actor=actor,
        reason=reason,
        at=at,
        before=str(before),
        after=str(percent),
        disruptive=disruptive,
        **({"go": standing.why, "overridden": overridden} if standing is not None else {}),
    )
    announce(
        event="launch.ramp.changed",
        text=f"Traffic ramp: {before:g}% → {percent:g}%"
        + (" (lowered: some admitted visitors are turned away)" if disruptive else "")
        + (" (go/no-go overridden: no standing GO)" if overridden else ""),
        severity="warning" if disruptive or overridden else "info",
        fields={
            "by": actor.label,
            "reason": reason,
            **({"go/no-go": standing.why} if standing is not None else {}),
        },
    )
    return row


@transaction.atomic
def capacity_set(*, sessions: int | None, actor: Actor, reason: str) -> LaunchState:
    actors.require(actor, actors.RAMP)
    reason = on_the_record(reason)
    if sessions is not None and sessions < 1:
        raise AppError(
            ErrorCode.INVALID_INPUT, "Capacity is at least 1 (or none).", field="sessions"
        )
    row = state_row(for_update=True)
    before = row.capacity_sessions
    row.capacity_sessions = sessions
    _save(row, actor, "capacity_sessions")
    record("launch.capacity.changed", actor=actor, reason=reason, before=before, after=sessions)
    lowered = sessions is not None and (before is None or sessions < before)
    announce(
        event="launch.capacity.changed",
        text=f"Capacity: {_cap(before)} → {_cap(sessions)}"
        + (" (lowered: new visitors wait sooner)" if lowered else ""),
        severity="warning" if lowered else "info",
        fields={"by": actor.label, "reason": reason},
    )
    return row


def _cap(sessions: int | None) -> str:
    return "no cap" if sessions is None else f"{sessions} active visitors"


@transaction.atomic
def trigger_action_set(*, action: str, actor: Actor, reason: str) -> LaunchState:
    actors.require(actor, actors.ROLLBACK)
    reason = on_the_record(reason)
    if action not in TriggerAction.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown action {action!r}.", field="action")
    row = state_row(for_update=True)
    before = row.trigger_action
    row.trigger_action = action
    _save(row, actor, "trigger_action")
    record("launch.triggers.action", actor=actor, reason=reason, before=before, after=action)
    return row


def parse_int(value: str, field: str) -> int:
    try:
        return int(value)
    except ValueError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Not a whole number: {value!r}.", field=field
        ) from exc
