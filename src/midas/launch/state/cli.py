"""``midas launch status`` and the state's actions (``phase set PHASE --reason``,
``schedule set``, ``gate set``, ``ramp set``, ``capacity set``, ``trigger-action``), declared
once in ``state.actions`` for the command line and the console.

``midas launch guard [--override --reason ... --by ... --what ... --minutes N]``: may a
deploy go ahead? Exit 0 yes, 3 refused by the system freeze (why and until when printed).
For deploy scripts: ``midas launch guard && ./deploy.sh``."""

from __future__ import annotations

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.actions import add_commands as add_actions
from midas.launch.cli import actor_of, add_by
from midas.launch.models import GateMode, Phase, TriggerAction
from midas.launch.state.actions import ACTIONS, GROUPS
from midas.launch.state.selectors import freeze_in_force, freeze_window, launch_state, recent_events

REFUSED = 3


def add_commands(sub) -> None:
    status = sub.add_parser("status", help="the phase, gate, ramp, freeze and recent actions")
    status.set_defaults(handler=show_status)
    add_actions(sub, ACTIONS, GROUPS)

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
