"""The audit trail as the team reads it: one sentence per ``LaunchEvent``.

``sentence(event)`` says who did what, in words ("Ana Ruiz moved the phase from System
freeze to Soft launch"), from the event's action and details; the reason is shown beside it
by the page. An action with no sentence of its own reads as its dotted name in words, so a
new kind of event is never hidden."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from midas.launch.models import GateMode, LaunchEvent, Phase
from midas.launch.response.escalation import LEVELS
from midas.launch.response.triggers import TRIGGERS

SYSTEM_PARTS = {
    "trigger": "The rollback triggers",
    "escalation": "The escalation",
    "worker": "The worker",
    "schedule": "The schedule",
    "smoke": "The smoke checks",
    "access": "The access gate",
    "flags": "The flags",
    "drill": "The drill",
    "freeze": "The freeze watch",
}


def who(event: LaunchEvent) -> str:
    """The person's name (or e-mail address), or the part of the system that acted."""
    if event.actor is not None:
        return event.actor.get_full_name() or event.actor.email
    label = event.actor_label or "someone"
    if label.startswith("system:"):
        part = label.split(":", 1)[1]
        return SYSTEM_PARTS.get(part, f"The system ({part})")
    return label


def _label(choices: Any, value: object) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _trigger(key: object) -> str:
    trigger = TRIGGERS.get(str(key))
    return trigger.title if trigger else str(key)


def _phase(d: dict) -> str:
    before, after = _label(Phase, d.get("before")), _label(Phase, d.get("after"))
    return f"moved the phase from {before} to {after}"


def _gate(d: dict) -> str:
    before, after = _label(GateMode, d.get("before")), _label(GateMode, d.get("after"))
    return f"set the access gate from {before} to {after}"


def _level(level: object) -> str:
    try:
        return f" ({LEVELS[int(str(level))][0]})"
    except (KeyError, ValueError):
        return ""


def _pct(value: object) -> str:
    try:
        return f"{float(str(value)):g}%"
    except ValueError:
        return str(value)


def _ramp(d: dict) -> str:
    text = f"set the ramp from {_pct(d.get('before'))} to {_pct(d.get('after'))}"
    return (
        text + " (lowered: admitted visitors above the line turned away)"
        if d.get("disruptive")
        else text
    )


def _gonogo(d: dict) -> str:
    decision = "GO" if d.get("decision") == "go" else "NO-GO"
    reasons = d.get("reasons") or []
    tail = f" ({len(reasons)} criteria failed)" if reasons else ""
    return f"recorded go/no-go #{d.get('record')}: {decision}{tail}"


def _signed(d: dict) -> str:
    verdict = "approved" if d.get("approve") else "rejected"
    record = d.get("record")
    decision = d.get("decision")
    what = f"the {'GO' if decision == 'go' else 'NO-GO'} of #{record}" if decision else f"#{record}"
    role = f" as {d.get('role')}" if d.get("role") else ""
    return f"{verdict} {what}{role}"


def _smoke(verb: str) -> Callable[[dict], str]:
    def said(d: dict) -> str:
        failed = d.get("failed") or []
        at = f" at {', '.join(str(s) for s in failed)}" if failed else ""
        return f"{verb} (run {d.get('run')}){at}"

    return said


SENTENCES: dict[str, Callable[[dict], str]] = {
    "launch.phase.changed": _phase,
    "launch.gate.changed": _gate,
    "launch.ramp.changed": _ramp,
    "launch.capacity.changed": lambda d: (
        f"set the capacity from {d.get('before') or 'no cap'} to {d.get('after') or 'no cap'}"
    ),
    "launch.trigger.fired": lambda d: (
        f"fired the {_trigger(d.get('trigger'))} trigger"
        + (" and recommended a rollback" if d.get("on_fire") == "recommend" else "")
        + (" and started a rollback" if d.get("on_fire") == "execute" else "")
    ),
    "launch.trigger.cleared": lambda d: f"cleared the {_trigger(d.get('trigger'))} trigger",
    "launch.trigger.rollback_failed": lambda d: (
        f"could not roll back after the {_trigger(d.get('trigger'))} trigger"
    ),
    "launch.triggers.action": lambda d: "changed what happens when a trigger fires",
    "launch.incident.opened": lambda d: (
        f"opened incident #{d.get('incident')}" + (f" ({d['impact']})" if d.get("impact") else "")
    ),
    "launch.incident.acknowledged": lambda d: f"acknowledged incident #{d.get('incident')}",
    "launch.incident.escalated": lambda d: (
        f"paged level {d.get('level')}{_level(d.get('level'))} about incident #{d.get('incident')}"
    ),
    "launch.incident.resolved": lambda d: f"resolved incident #{d.get('incident')}",
    "launch.incident.made_public": lambda d: (
        f"made incident #{d.get('incident')} public on the status page"
    ),
    "launch.gonogo.recorded": _gonogo,
    "launch.gonogo.signed": _signed,
    "launch.gonogo.refused": lambda d: (
        f"tried {d.get('what') or 'a change'} and was refused ({d.get('why') or 'no standing GO'})"
    ),
    "launch.gonogo.overridden": lambda d: (
        f"overrode the go/no-go: {d.get('what') or 'a change'} without a standing GO"
    ),
    "launch.rollback.started": lambda d: f"started rollback run {d.get('run')}",
    "launch.rollback.step": lambda d: f"rollback run {d.get('run')}: {d.get('step')}",
    "launch.rollback.finished": lambda d: (
        f"finished rollback run {d.get('run')}" + ("" if d.get("ok", True) else " with a failure")
    ),
    "launch.rollback.done": lambda d: f"finished rollback run {d.get('run')}",
    "launch.rollback.dry_run": lambda d: f"rehearsed a rollback (dry run {d.get('run')})",
    "launch.rollback.restored": lambda d: "restored the database",
    "launch.schedule.step_done": lambda d: f"carried out the schedule step {d.get('key')}",
    "launch.schedule.step_failed": lambda d: f"failed the schedule step {d.get('key')}",
    "launch.schedule.step_missed": lambda d: f"did not carry out the schedule step {d.get('key')}",
    "launch.schedule.step_skipped": lambda d: f"skipped the schedule step {d.get('key')}",
    "launch.schedule.step_updated": lambda d: f"changed the schedule step {d.get('key')}",
    "launch.schedule.changed": lambda d: f"set the launch date to {d.get('launch_date') or 'none'}",
    "launch.smoke.requested": lambda d: "asked for a smoke run",
    "launch.smoke.failed": _smoke("saw the smoke run fail"),
    "launch.smoke.recovered": _smoke("saw the smoke run pass again"),
    "launch.freeze.override": lambda d: (
        f"overrode the freeze for {d.get('what') or 'a change'}"
        + (f" until {str(d['until'])[11:16]} UTC" if d.get("until") else "")
    ),
    "launch.freeze.release_alert": lambda d: (
        f"saw release {d.get('release')} start during the freeze"
    ),
    "launch.release.seen": lambda d: f"saw release {d.get('release')} start",
    "launch.flag.changed": lambda d: (
        f"set the flag {d.get('key')} from {d.get('before')} to {d.get('after') or d.get('state')}"
    ),
    "launch.flag.created": lambda d: f"created the flag {d.get('key')} ({d.get('state')})",
    "launch.flags.snapshot": lambda d: (
        "kept the flags as they stand" + (" as the last good state" if d.get("good") else "")
    ),
    "launch.flags.restored": lambda d: "put the flags back to their last good state",
    "launch.plan.initialised": lambda d: "loaded the go-live plan",
    "launch.plan.item_ticked": lambda d: f"ticked {d.get('key')} ({d.get('after')})",
    "launch.plan.item_checked": lambda d: f"checked {d.get('key')}",
    "launch.plan.item_updated": lambda d: f"changed {d.get('key')}",
    "launch.team.contact_set": lambda d: (
        f"made {d.get('name')} the {d.get('slot')} contact for {d.get('role')}"
    ),
    "launch.team.contact_removed": lambda d: (
        f"removed {d.get('name')} as {d.get('slot')} contact for {d.get('role')}"
    ),
    "launch.team.vendor_set": lambda d: f"set {d.get('vendor')} as the {d.get('service')} vendor",
    "launch.team.granted": lambda d: f"put {d.get('user')} in the {d.get('group')} group",
    "launch.team.revoked": lambda d: f"took {d.get('user')} out of the {d.get('group')} group",
    "launch.invite.created": lambda d: f"invited {d.get('email')}",
    "launch.invite.imported": lambda d: f"imported {d.get('count')} invitations",
    "launch.invite.sent": lambda d: f"sent the invitation to {d.get('email')}",
    "launch.invite.revoked": lambda d: f"revoked invitation {d.get('code')}",
    "launch.invite.redeemed": lambda d: f"let in a visitor with invitation {d.get('code')}",
    "launch.waitlist.notified": lambda d: (
        f"told {d.get('count')} on the waitlist the doors are open"
    ),
    "launch.feedback.triaged": lambda d: (
        f"moved feedback #{d.get('feedback')} from {d.get('before')} to {d.get('after')}"
    ),
}


def _fallback(action: str) -> str:
    words = action.removeprefix("launch.").replace(".", " ").replace("_", " ")
    return f"recorded: {words}"


def sentence(event: LaunchEvent) -> str:
    """The sentence: who did what (the reason is shown beside it)."""
    said = SENTENCES.get(event.action)
    details = event.details if isinstance(event.details, dict) else {}
    try:
        what = said(details) if said else _fallback(event.action)
    except (KeyError, TypeError, ValueError):
        what = _fallback(event.action)
    return f"{who(event)} {what}"
