"""``midas launch status`` and ``midas launch phase set PHASE --reason``, ``schedule set``,
``gate set``, ``ramp set``, ``capacity set``, ``triggers action``.

``midas launch guard [--override --reason ... --by ... --what ... --minutes N]``: may a
deploy go ahead? Exit 0 yes, 3 refused by the system freeze (why and until when printed).
For deploy scripts: ``midas launch guard && ./deploy.sh``."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.cli import actor_of, add_by
from midas.launch.models import GateMode, Phase, TriggerAction
from midas.launch.state import services
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state, recent_events

REFUSED = 3


def add_commands(sub) -> None:
    status = sub.add_parser("status", help="the phase, gate, ramp, freeze and recent actions")
    status.set_defaults(handler=show_status)

    phase = sub.add_parser("phase", help="change the launch phase")
    phase_sub = phase.add_subparsers(dest="phase_action", required=True)
    phase_set = phase_sub.add_parser("set", help="move the launch to PHASE")
    phase_set.add_argument("phase", choices=Phase.values)
    phase_set.add_argument("--reason", required=True)
    add_by(phase_set)
    phase_set.set_defaults(handler=set_phase)

    schedule = sub.add_parser("schedule", help="set launch day")
    schedule_sub = schedule.add_subparsers(dest="schedule_action", required=True)
    schedule_set = schedule_sub.add_parser("set", help="launch day (YYYY-MM-DD) and time zone")
    schedule_set.add_argument("date", type=dt.date.fromisoformat)
    schedule_set.add_argument("--tz", default="")
    schedule_set.add_argument("--reason", required=True)
    add_by(schedule_set)
    schedule_set.set_defaults(handler=set_schedule)

    gate = sub.add_parser("gate", help="who may come in")
    gate_sub = gate.add_subparsers(dest="gate_action", required=True)
    gate_set = gate_sub.add_parser("set", help="closed, beta, invite or public")
    gate_set.add_argument("mode", choices=GateMode.values)
    gate_set.add_argument("--reason", required=True)
    add_by(gate_set)
    gate_set.set_defaults(handler=set_gate)

    ramp = sub.add_parser("ramp", help="the share of new visitors admitted")
    ramp_sub = ramp.add_subparsers(dest="ramp_action", required=True)
    ramp_set = ramp_sub.add_parser("set", help="PERCENT of new visitors (0-100)")
    ramp_set.add_argument("percent")
    ramp_set.add_argument("--reason", required=True)
    add_by(ramp_set)
    ramp_set.set_defaults(handler=set_ramp)

    capacity = sub.add_parser("capacity", help="planned capacity: concurrent active visitors")
    capacity_sub = capacity.add_subparsers(dest="capacity_action", required=True)
    capacity_set = capacity_sub.add_parser("set", help="SESSIONS, or 'none' for no cap")
    capacity_set.add_argument("sessions")
    capacity_set.add_argument("--reason", required=True)
    add_by(capacity_set)
    capacity_set.set_defaults(handler=set_capacity)

    action = sub.add_parser("trigger-action", help="what a fired rollback trigger does")
    action.add_argument("action", choices=TriggerAction.values)
    action.add_argument("--reason", required=True)
    add_by(action)
    action.set_defaults(handler=set_trigger_action)

    guard = sub.add_parser("guard", help="exit 0 when deploys may proceed, 3 in the freeze")
    guard.add_argument(
        "--override", action="store_true", help="let deploys through the freeze (recorded)"
    )
    guard.add_argument("--reason", default="")
    guard.add_argument("--what", default="deploy", help="what the override is for")
    guard.add_argument("--minutes", type=int, default=60, help="how long the override lasts")
    add_by(guard)
    guard.set_defaults(handler=run_guard)


def show_status(options: dict, out) -> int:
    state = launch_state(fresh=True)
    window = freeze_window(state)
    now = timezone.now()
    w = out.stdout.write
    w(
        f"Phase:     {Phase(state.phase).label}"
        + (
            f" (since {state.phase_changed_at:%Y-%m-%d %H:%M} UTC)"
            if state.phase_changed_at
            else ""
        )
    )
    w(f"Launch day: {state.launch_date or 'not set'} ({state.timezone})")
    if window:
        flag = "IN FORCE" if freeze_in_force(now, state) else "not in force"
        w(
            f"Freeze:    {window.starts_at:%Y-%m-%d %H:%M %Z} → {window.ends_at:%Y-%m-%d %H:%M %Z} "
            f"({flag})"
        )
    else:
        w("Freeze:    no window (set the launch day)")
    w(f"Gate:      {GateMode(state.gate_mode).label}")
    w(f"Ramp:      {state.ramp_percent:g}% of new visitors")
    w(f"Capacity:  {state.capacity_sessions or 'no cap'}")
    w(f"Triggers:  {TriggerAction(state.trigger_action).label}")
    w(f"Release:   {state.current_release or '-'} (previous {state.previous_release or '-'})")
    events = recent_events(10)
    if events:
        w("\nRecent actions:")
        for event in events:
            w(
                f"  {event.at:%Y-%m-%d %H:%M} {event.action:<28} {event.actor_label}"
                + (f" — {event.reason}" if event.reason else "")
            )
    return 0


def set_phase(options: dict, out) -> int:
    row = services.phase_set(
        phase=options["phase"], actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"Phase is now {Phase(row.phase).label}.")
    return 0


def set_schedule(options: dict, out) -> int:
    row = services.schedule_set(
        launch_date=options["date"],
        tz=options["tz"],
        actor=actor_of(options),
        reason=options["reason"],
    )
    window = freeze_window(row)
    out.stdout.write(f"Launch day is {row.launch_date} ({row.timezone}).")
    if window:
        out.stdout.write(
            f"Freeze: {window.starts_at:%Y-%m-%d %H:%M %Z} → {window.ends_at:%Y-%m-%d %H:%M %Z}."
        )
    return 0


def set_gate(options: dict, out) -> int:
    row = services.gate_set(mode=options["mode"], actor=actor_of(options), reason=options["reason"])
    out.stdout.write(f"Access gate: {GateMode(row.gate_mode).label}.")
    return 0


def set_ramp(options: dict, out) -> int:
    row = services.ramp_set(
        percent=options["percent"], actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"Traffic ramp: {row.ramp_percent:g}% of new visitors.")
    return 0


def set_capacity(options: dict, out) -> int:
    raw = options["sessions"].strip().lower()
    sessions = None if raw in {"none", "off", "0"} else services.parse_int(raw, "sessions")
    row = services.capacity_set(
        sessions=sessions, actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"Capacity: {row.capacity_sessions or 'no cap'}.")
    return 0


def set_trigger_action(options: dict, out) -> int:
    row = services.trigger_action_set(
        action=options["action"], actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"Rollback triggers: {TriggerAction(row.trigger_action).label}.")
    return 0


def run_guard(options: dict, out) -> int:
    from midas.launch.state.freeze import freeze_override, guard

    if options["override"]:
        if not options["reason"].strip():
            raise AppError(ErrorCode.INVALID_INPUT, "An override needs --reason.", field="reason")
        event = freeze_override(
            actor=actor_of(options),
            reason=options["reason"],
            what=options["what"],
            minutes=options["minutes"],
        )
        out.stdout.write(f"Freeze override recorded until {event.details['until']}.")
    result = guard()
    until = f" (until {result.until:%Y-%m-%d %H:%M %Z})" if result.until else ""
    if result.allowed:
        out.stdout.write(f"allowed: {result.reason}{until}")
        return 0
    out.stderr.write(f"refused: {result.reason}")
    return REFUSED
