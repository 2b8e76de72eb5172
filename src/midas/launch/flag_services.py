"""Writes of the feature flags (``flag_set``, ``flag_create``, snapshots and the restore of the
last good state) and the listing for the console and the CLI. Each write checks the
``FLAGS`` permission, records, announces, and bumps the flags' version on commit so every
process re-reads them (``midas.launch.flags``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.flags import REGISTRY, bump_version, forget
from midas.launch.models import Flag, FlagSnapshot, FlagState

# --- Listing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagRow:
    key: str
    description: str
    state: str
    percent: int
    known: bool  # declared in code
    row: Flag | None  # None: never changed, the default applies

    @property
    def state_label(self) -> str:
        label = FlagState(self.state).label
        return f"{label} ({self.percent}%)" if self.state == FlagState.PERCENT else label


def flags_list() -> list[FlagRow]:
    """Every flag, declared or added as a row, from the database (for the console/CLI)."""
    rows = {f.key: f for f in Flag.objects.select_related("changed_by")}
    out = []
    for key in sorted(set(REGISTRY) | set(rows)):
        spec, row = REGISTRY.get(key), rows.get(key)
        out.append(
            FlagRow(
                key=key,
                description=(row.description if row and row.description else "")
                or (spec.description if spec else ""),
                state=row.state if row else spec.default,
                percent=row.percent if row else spec.percent,
                known=spec is not None,
                row=row,
            )
        )
    return out


# --- Writes ---------------------------------------------------------------------------------


def _check(state: str, percent: int) -> int:
    if state not in FlagState.values:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown state {state!r}: one of {', '.join(FlagState.values)}.",
            field="state",
        )
    try:
        percent = int(percent or 0)
    except (TypeError, ValueError) as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT, f"Not a whole percentage: {percent!r}.", field="percent"
        ) from exc
    if not 0 <= percent <= 100:
        raise AppError(ErrorCode.INVALID_INPUT, "A percentage from 0 to 100.", field="percent")
    if state == FlagState.PERCENT and percent == 0:
        raise AppError(
            ErrorCode.INVALID_INPUT, "Say which share: --percent 1-100.", field="percent"
        )
    return percent if state == FlagState.PERCENT else 0


def _row(key: str) -> Flag:
    row = Flag.objects.select_for_update().filter(key=key).first()
    if row is not None:
        return row
    spec = REGISTRY.get(key)
    if spec is None:
        raise AppError(ErrorCode.NOT_FOUND, f"No flag {key!r}.", field="key")
    row, _ = Flag.objects.get_or_create(
        key=key,
        defaults={"description": spec.description[:200], "state": spec.default, "percent": 0},
    )
    return row


def _changed() -> None:
    transaction.on_commit(bump_version)
    forget()


@transaction.atomic
def flag_set(*, key: str, state: str, percent: int = 0, actor: Actor, reason: str) -> Flag:
    actors.require(actor, actors.FLAGS)
    reason = on_the_record(reason)
    percent = _check(state, percent)
    row = _row(key)
    before = (row.state, row.percent)
    row.state, row.percent, row.changed_by = state, percent, actor.user
    row.save(update_fields=["state", "percent", "changed_by", "updated_at"])
    after = f"{state} {percent}%" if state == FlagState.PERCENT else state
    record(
        "launch.flag.changed",
        actor=actor,
        reason=reason,
        key=key,
        before=before[0],
        before_percent=before[1],
        after=state,
        percent=percent,
    )
    announce(
        event="launch.flag.changed",
        text=f"Flag {key}: {before[0]} → {after}",
        severity="warning" if state == FlagState.OFF else "info",
        fields={"by": actor.label, "reason": reason},
    )
    _changed()
    return row


@transaction.atomic
def flag_create(
    *, key: str, description: str, state: str = FlagState.OFF, actor: Actor, reason: str
) -> Flag:
    """Add a flag that code does not declare yet (code reads it by its key)."""
    actors.require(actor, actors.FLAGS)
    reason = on_the_record(reason)
    key = (key or "").strip().lower()
    if not key or not all(c.isalnum() or c in "-_" for c in key) or len(key) > 40:
        raise AppError(
            ErrorCode.INVALID_INPUT, "A key of letters, digits, - and _ (40 at most).", field="key"
        )
    _check(state, 1 if state == FlagState.PERCENT else 0)
    if Flag.objects.filter(key=key).exists() or key in REGISTRY:
        raise AppError(ErrorCode.INVALID_STATE, f"The flag {key!r} exists.", field="key")
    row = Flag.objects.create(
        key=key,
        description=(description or "").strip()[:200],
        state=state,
        percent=1 if state == FlagState.PERCENT else 0,
        changed_by=actor.user,
    )
    record("launch.flag.created", actor=actor, reason=reason, key=key, state=state)
    announce(
        event="launch.flag.created",
        text=f"New flag {key} ({state})",
        fields={"by": actor.label, "reason": reason},
    )
    _changed()
    return row


def current_states() -> dict[str, dict[str, object]]:
    return {f.key: {"state": f.state, "percent": f.percent} for f in flags_list()}


@transaction.atomic
def flags_snapshot(*, good: bool, reason: str, at: dt.datetime | None = None) -> FlagSnapshot:
    """Keep every flag's state now; ``good`` marks a state the launch was healthy in (the
    one a rollback goes back to). Called by the go/no-go on GO, and by hand."""
    snapshot = FlagSnapshot.objects.create(
        taken_at=at or timezone.now(),
        states=current_states(),
        good=good,
        reason=(reason or "").strip()[:200],
    )
    record(
        "launch.flags.snapshot",
        actor=actors.system("flags", via="service"),
        reason=snapshot.reason,
        at=snapshot.taken_at,
        snapshot=snapshot.pk,
        good=good,
        states={k: v["state"] for k, v in snapshot.states.items()},
    )
    return snapshot


def last_good_snapshot() -> FlagSnapshot | None:
    return FlagSnapshot.objects.filter(good=True).first()


@transaction.atomic
def flags_restore_last_good(*, actor: Actor, reason: str) -> dict[str, str]:
    """Put every flag back as the newest good snapshot has it; flags added since keep their
    state. Returns ``{key: state}`` as restored."""
    actors.require(actor, actors.FLAGS)
    reason = on_the_record(reason)
    snapshot = last_good_snapshot()
    if snapshot is None:
        raise AppError(
            ErrorCode.NOT_FOUND,
            "No good flags snapshot to restore (take one: midas launch flags snapshot --good).",
        )
    restored: dict[str, str] = {}
    changed: dict[str, str] = {}
    for key, saved in sorted(snapshot.states.items()):
        state, percent = saved.get("state", FlagState.OFF), int(saved.get("percent") or 0)
        if state not in FlagState.values:
            continue
        row = Flag.objects.select_for_update().filter(key=key).first()
        if row is None and key not in REGISTRY:
            continue  # a flag removed since; nothing reads it
        row = row or _row(key)
        restored[key] = state
        if (row.state, row.percent) != (state, percent):
            changed[key] = f"{row.state} → {state}"
            row.state, row.percent, row.changed_by = state, percent, actor.user
            row.save(update_fields=["state", "percent", "changed_by", "updated_at"])
    record(
        "launch.flags.restored",
        actor=actor,
        reason=reason,
        snapshot=snapshot.pk,
        taken_at=snapshot.taken_at.isoformat(),
        changed=changed,
    )
    announce(
        event="launch.flags.restored",
        text=f"Flags restored to the good state of {snapshot.taken_at:%Y-%m-%d %H:%M} UTC"
        + (f": {', '.join(f'{k} {v}' for k, v in changed.items())}" if changed else " (no change)"),
        severity="warning",
        fields={"by": actor.label, "reason": reason},
    )
    _changed()
    return restored
