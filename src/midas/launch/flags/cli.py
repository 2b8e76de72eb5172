"""``midas launch flags list | set KEY STATE [--percent N] | add KEY | snapshot [--good] |
restore``: the feature flags from the command line (changes need the FLAGS permission)."""

from __future__ import annotations

from midas.flags.models import FlagState
from midas.launch.cli import actor_of, add_by
from midas.launch.flags import selectors, services


def add_commands(sub) -> None:
    group = sub.add_parser("flags", help="feature flags: list, set, add, snapshot, restore")
    flag_sub = group.add_subparsers(dest="flags_action", required=True)

    listing = flag_sub.add_parser("list", help="every flag with its state")
    listing.set_defaults(handler=list_flags)

    setting = flag_sub.add_parser("set", help="set KEY to STATE (off, staff, beta, percent, on)")
    setting.add_argument("key")
    setting.add_argument("state", choices=FlagState.values)
    setting.add_argument("--percent", type=int, default=0, help="for 'percent': 1-100")
    setting.add_argument("--reason", required=True)
    add_by(setting)
    setting.set_defaults(handler=set_flag)

    adding = flag_sub.add_parser("add", help="add a flag that code does not declare yet")
    adding.add_argument("key")
    adding.add_argument("--description", default="")
    adding.add_argument("--state", choices=FlagState.values, default=FlagState.OFF)
    adding.add_argument("--reason", required=True)
    add_by(adding)
    adding.set_defaults(handler=add_flag)

    snapshot = flag_sub.add_parser("snapshot", help="keep every flag's state now")
    snapshot.add_argument("--good", action="store_true", help="a state to roll back to")
    snapshot.add_argument("--reason", required=True)
    snapshot.set_defaults(handler=take_snapshot)

    restore = flag_sub.add_parser("restore", help="back to the newest good snapshot")
    restore.add_argument("--reason", required=True)
    add_by(restore)
    restore.set_defaults(handler=restore_flags)


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


def set_flag(options: dict, out) -> int:
    row = services.flag_set(
        key=options["key"],
        state=options["state"],
        percent=options["percent"],
        actor=actor_of(options),
        reason=options["reason"],
    )
    shown = f"{row.state} ({row.percent}%)" if row.state == FlagState.PERCENT else row.state
    out.stdout.write(f"Flag {row.key}: {shown}.")
    return 0


def add_flag(options: dict, out) -> int:
    row = services.flag_create(
        key=options["key"],
        description=options["description"],
        state=options["state"],
        actor=actor_of(options),
        reason=options["reason"],
    )
    out.stdout.write(f"Flag {row.key} added ({row.state}).")
    return 0


def take_snapshot(options: dict, out) -> int:
    snap = services.flags_snapshot(good=options["good"], reason=options["reason"])
    kind = "good " if snap.good else ""
    out.stdout.write(f"Took a {kind}snapshot of {len(snap.states)} flags (#{snap.pk}).")
    return 0


def restore_flags(options: dict, out) -> int:
    restored = services.flags_restore_last_good(actor=actor_of(options), reason=options["reason"])
    out.stdout.write("Flags restored: " + ", ".join(f"{k}={v}" for k, v in restored.items()))
    return 0
