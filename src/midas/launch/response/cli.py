"""``midas launch triggers [--evaluate]``: each rollback trigger's current value against its
condition, the open firings and the recent ones; ``--evaluate`` runs one evaluation now
(what the worker does every minute); ``--integrity-full`` checks every reservation for
overlaps, not only those written in the last 24 h."""

from __future__ import annotations

from django.utils import timezone

from midas.launch.models import TriggerFiring
from midas.launch.response.selectors import open_firings, trigger_readings
from midas.launch.response.services import triggers_evaluate
from midas.launch.response.triggers import TRIGGERS
from midas.launch.state.selectors import launch_state


def add_commands(sub) -> None:
    triggers = sub.add_parser("triggers", help="the rollback triggers: values, firings")
    triggers.add_argument(
        "--evaluate", action="store_true", help="evaluate now (fires or clears as the worker)"
    )
    triggers.add_argument(
        "--integrity-full",
        action="store_true",
        help="also check every reservation for overlaps (the trigger checks the last 24 h)",
    )
    triggers.set_defaults(handler=show_triggers)


def show_triggers(options: dict, out) -> int:
    now = timezone.now()
    w = out.stdout.write
    if options.get("evaluate"):
        fired = triggers_evaluate(now=now)
        w(f"Evaluated: {len(fired)} fired now" + (": " if fired else "."))
        for firing in fired:
            w(f"  {firing.trigger} -> incident #{firing.incident_id} ({firing.action})")
    state = launch_state(fresh=True)
    w(f"Action when one fires: {state.trigger_action}")
    readings = trigger_readings(now=now)
    firings = open_firings()
    for key, trigger in TRIGGERS.items():
        reading = readings[key]
        flag = "FIRING" if key in firings else ("HOLDS" if reading.holding else "ok")
        w(f"{key:<11} {flag:<7} {reading.value}")
        w(f"{'':<11} {'':<7} fires when: {trigger.threshold}")
        if key in firings:
            f = firings[key]
            w(
                f"{'':<11} {'':<7} open since {f.fired_at:%Y-%m-%d %H:%M} UTC, "
                f"incident #{f.incident_id}"
            )
    if options.get("integrity_full"):
        from midas.launch.response.integrity import integrity_problems

        problems = integrity_problems()
        w("Full integrity check: " + ("all checks pass" if not problems else "PROBLEMS"))
        for name, found in problems.items():
            for problem in found:
                w(f"  {name}: {problem}")
        if problems:
            return 1
    recent = list(TriggerFiring.objects.all()[:10])
    if recent:
        w("Recent firings:")
        for f in recent:
            cleared = f"cleared {f.cleared_at:%H:%M}" if f.cleared_at else "open"
            w(f"  {f.fired_at:%Y-%m-%d %H:%M} {f.trigger:<11} {f.action:<9} {cleared}")
    return 1 if firings else 0
