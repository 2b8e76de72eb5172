"""``midas launch flags list | set KEY STATE [--percent N] | add KEY | snapshot [--good] |
restore``: the feature flags from the command line (changes need the FLAGS permission;
set, add and restore are the actions of ``flags.actions``, which the console runs too)."""

from __future__ import annotations

from midas.launch.actions import add_commands as add_actions
from midas.launch.flags import selectors, services
from midas.launch.flags.actions import ACTIONS


def add_commands(sub) -> None:
    groups = {"flags": "feature flags: list, set, add, snapshot, restore"}
    flag_sub = add_actions(sub, ACTIONS, groups)["flags"]

    listing = flag_sub.add_parser("list", help="every flag with its state")
    listing.set_defaults(handler=list_flags)

    snapshot = flag_sub.add_parser("snapshot", help="keep every flag's state now")
    snapshot.add_argument("--good", action="store_true", help="a state to roll back to")
    snapshot.add_argument("--reason", required=True)
    snapshot.set_defaults(handler=take_snapshot)


def list_flags(options: dict, out) -> int:
    w = out.stdout.write
    w(f"{'Flag':<16} {'State':<24} {'Changed by':<28} Description")
    for row in selectors.flags_list():
        changed = row.row.changed_by.email if row.row and row.row.changed_by else "-"
        if row.row is None:
            changed = "(default)"
        w(f"{row.key:<16} {row.state_label:<24} {changed:<28} {row.description}")
    good = selectors.last_good_snapshot()
    w(
        f"\nLast good snapshot: {good.taken_at:%Y-%m-%d %H:%M} UTC ({good.reason})"
        if good
        else "\nLast good snapshot: none"
    )
    return 0


def take_snapshot(options: dict, out) -> int:
    snap = services.flags_snapshot(good=options["good"], reason=options["reason"])
    kind = "good " if snap.good else ""
    out.stdout.write(f"Took a {kind}snapshot of {len(snap.states)} flags (#{snap.pk}).")
    return 0
