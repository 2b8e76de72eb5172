"""The launch's hand on the feature flags (``midas.flags``), its writes: ``flag_set``,
``flag_create``, snapshots and the restore of the last good state (the listing is in
``flags.selectors``). Each write checks the ``FLAGS`` permission, records, announces, and
goes through ``midas.flags.services`` (which bumps the flags' version on commit so every
process re-reads them)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.flags.models import Flag, FlagState
from midas.flags.services import flag_add, flag_row, flag_write
from midas.launch import actors
from midas.launch.actors import Actor
from midas.launch.audit import on_the_record, record
from midas.launch.channel import announce
from midas.launch.flags.selectors import current_states, last_good_snapshot
from midas.launch.models import FlagSnapshot


@transaction.atomic
def flag_set(*, key: str, state: str, percent: int = 0, actor: Actor, reason: str) -> Flag:
    actors.require(actor, actors.FLAGS)
    reason = on_the_record(reason)
    current = flag_row(key)
    before = (current.state, current.percent) if current else ("", 0)
    row = flag_write(key=key, state=state, percent=percent, changed_by=actor.user)
    percent = row.percent
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
    return row


@transaction.atomic
def flag_create(
    *, key: str, description: str, state: str = FlagState.OFF, actor: Actor, reason: str
) -> Flag:
    """Add a flag that code does not declare yet (code reads it by its key)."""
    actors.require(actor, actors.FLAGS)
    reason = on_the_record(reason)
    row = flag_add(key=key, description=description, state=state, changed_by=actor.user)
    key = row.key
    record("launch.flag.created", actor=actor, reason=reason, key=key, state=state)
    announce(
        event="launch.flag.created",
        text=f"New flag {key} ({state})",
        fields={"by": actor.label, "reason": reason},
    )
    return row


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
        row = flag_row(key)
        if row is None:
            continue  # a flag removed since; nothing reads it
        restored[key] = state
        if (row.state, row.percent) != (state, percent):
            changed[key] = f"{row.state} → {state}"
            flag_write(key=key, state=state, percent=percent, changed_by=actor.user)
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
    return restored
