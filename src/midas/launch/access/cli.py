"""``midas launch invite create|import|list|revoke``, ``midas launch waitlist list|notify``,
``midas launch feedback list [--status]`` and ``midas launch visitors``. ``invite create``
and ``invite revoke`` are the actions of ``access.actions``, which the console runs too."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch import actors
from midas.launch.access import invites as access_invites
from midas.launch.access import selectors, services
from midas.launch.access.actions import ACTIONS
from midas.launch.actions import add_commands as add_actions
from midas.launch.cli import actor_of, add_by
from midas.launch.models import FeedbackStatus, GateMode
from midas.launch.state.selectors import launch_state


def add_commands(sub) -> None:
    invite_sub = add_actions(sub, ACTIONS, {"invite": "VIP invitations"})["invite"]
    load = invite_sub.add_parser(
        "import", help="invitations from a CSV (email,name,uses,days,note)"
    )
    load.add_argument("file")
    load.add_argument("--send", action="store_true")
    add_by(load)
    load.set_defaults(handler=invite_import)

    listing = invite_sub.add_parser("list", help="invitations with uses and expiry")
    listing.set_defaults(handler=invite_list)

    waitlist = sub.add_parser("waitlist", help="the waitlist")
    waitlist_sub = waitlist.add_subparsers(dest="waitlist_action", required=True)
    waitlist_sub.add_parser("list", help="who is waiting").set_defaults(handler=waitlist_list)
    notify = waitlist_sub.add_parser("notify", help="email the waitlist if the doors are open")
    notify.add_argument(
        "--override-go",
        default="",
        help="coordinator only: why tell them without a standing GO (recorded)",
    )
    add_by(notify)  # emails customers: as in the console, it needs the plan permission
    notify.set_defaults(handler=waitlist_notify)

    feedback = sub.add_parser("feedback", help="beta feedback")
    feedback_sub = feedback.add_subparsers(dest="feedback_action", required=True)
    fb_list = feedback_sub.add_parser("list", help="feedback, newest first")
    fb_list.add_argument("--status", choices=FeedbackStatus.values, default="")
    fb_list.set_defaults(handler=feedback_list)

    visitors = sub.add_parser("visitors", help="admitted, waiting, refused, active; the ramp")
    visitors.set_defaults(handler=visitors_show)


def _send(invites, options: dict, out) -> None:
    actor = actor_of(options)
    for invite in invites:
        access_invites.invite_send(invite=invite, actor=actor)
        out.stdout.write(f"Sent to {invite.email}.")


def invite_import(options: dict, out) -> int:
    path = Path(options["file"])
    if not path.is_file():
        raise AppError(ErrorCode.INVALID_INPUT, f"No such file: {path}.", field="file")
    with path.open("rb") as handle:
        invites = access_invites.invites_import_csv(handle, actor=actor_of(options))
    out.stdout.write(f"Imported {len(invites)} invitation(s).")
    if options["send"]:
        _send(invites, options, out)
    return 0


def invite_list(options: dict, out) -> int:
    now = timezone.now()
    invites = selectors.invites_list()
    if not invites:
        out.stdout.write("No invitations.")
        return 0
    for invite in invites:
        if invite.revoked_at:
            state = "revoked"
        elif invite.expires_at <= now:
            state = "expired"
        elif invite.uses >= invite.max_uses:
            state = "used"
        else:
            state = "open"
        out.stdout.write(
            f"{invite.code}  {invite.email or '(anyone)':<32} {invite.uses}/{invite.max_uses}  "
            f"until {invite.expires_at:%Y-%m-%d}  {state}"
            + (f"  sent {invite.sent_at:%Y-%m-%d %H:%M}" if invite.sent_at else "")
        )
    return 0


def waitlist_list(options: dict, out) -> int:
    counts = selectors.waitlist_counts()
    out.stdout.write(f"{counts['total']} waiting, {counts['notified']} told the doors opened.")
    for entry in selectors.waitlist_list():
        told = f"told {entry.notified_at:%Y-%m-%d %H:%M}" if entry.notified_at else "waiting"
        out.stdout.write(f"  {entry.created_at:%Y-%m-%d %H:%M}  {entry.email:<40} {told}")
    return 0


def waitlist_notify(options: dict, out) -> int:
    actor = actor_of(options)
    actors.require(actor, actors.PLAN)
    state = launch_state(fresh=True)
    if not services.doors_open(services.Gate.of(state), state.phase):
        out.stdout.write(
            "The doors are not open yet (the launch public, the gate public at 100 %)."
        )
        return 1
    told = services.waitlist_notify(actor=actor, override_go=options.get("override_go") or "")
    out.stdout.write(f"Told {told} address(es) the doors are open.")
    return 0


def feedback_list(options: dict, out) -> int:
    summary = selectors.feedback_summary()
    average = summary["average"]
    out.stdout.write(
        f"{summary['count']} feedback, average {average if average is not None else '-'}/5; "
        + ", ".join(f"{k} {v}" for k, v in sorted(summary["by_status"].items()))
    )
    for fb in selectors.feedback_list(status=options["status"]):
        who = fb.user.email if fb.user else "invitee"
        out.stdout.write(
            f"  #{fb.pk} {fb.created_at:%Y-%m-%d %H:%M} {fb.rating}/5 {fb.status:<9} "
            f"{fb.severity or '-':<8} {fb.path} ({who}, {fb.release or '-'})"
            + (f": {fb.comment[:120]}" if fb.comment else "")
        )
    return 0


def visitors_show(options: dict, out) -> int:
    state = launch_state(fresh=True)
    counts = selectors.admission_counts()
    out.stdout.write(f"Gate:      {GateMode(state.gate_mode).label}")
    out.stdout.write(f"Ramp:      {state.ramp_percent.normalize():f}% of new visitors")
    out.stdout.write(
        f"Capacity:  {state.capacity_sessions or 'no cap'}"
        + f" (active = admitted and seen in the last {selectors.ACTIVE_MINUTES} minutes)"
    )
    for key in ("admitted", "waiting", "refused", "active"):
        out.stdout.write(f"{key.capitalize() + ':':<10} {counts[key]}")
    return 0
