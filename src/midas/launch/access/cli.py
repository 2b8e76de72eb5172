"""``midas launch invite create|import|list|revoke``, ``midas launch waitlist list|notify``,
``midas launch feedback list [--status]`` and ``midas launch visitors``."""

from __future__ import annotations

from pathlib import Path

from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.launch.access import invites as access_invites
from midas.launch.access import selectors, services
from midas.launch.cli import actor_of, add_by
from midas.launch.models import FeedbackStatus, GateMode
from midas.launch.state.selectors import launch_state


def add_commands(sub) -> None:
    invite = sub.add_parser("invite", help="VIP invitations")
    invite_sub = invite.add_subparsers(dest="invite_action", required=True)
    create = invite_sub.add_parser("create", help="an invitation for EMAIL")
    create.add_argument("email")
    create.add_argument("--name", default="")
    create.add_argument("--uses", type=int, default=1, help="how many visitors may use it")
    create.add_argument("--days", type=int, default=14, help="valid for D days")
    create.add_argument("--note", default="")
    create.add_argument("--send", action="store_true", help="email it now (outbox)")
    add_by(create)
    create.set_defaults(handler=invite_create)

    load = invite_sub.add_parser(
        "import", help="invitations from a CSV (email,name,uses,days,note)"
    )
    load.add_argument("file")
    load.add_argument("--send", action="store_true")
    add_by(load)
    load.set_defaults(handler=invite_import)

    listing = invite_sub.add_parser("list", help="invitations with uses and expiry")
    listing.set_defaults(handler=invite_list)

    revoke = invite_sub.add_parser("revoke", help="withdraw an invitation")
    revoke.add_argument("code")
    revoke.add_argument("--reason", default="")
    add_by(revoke)
    revoke.set_defaults(handler=invite_revoke)

    waitlist = sub.add_parser("waitlist", help="the waitlist")
    waitlist_sub = waitlist.add_subparsers(dest="waitlist_action", required=True)
    waitlist_sub.add_parser("list", help="who is waiting").set_defaults(handler=waitlist_list)
    notify = waitlist_sub.add_parser("notify", help="email the waitlist if the doors are open")
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


def invite_create(options: dict, out) -> int:
    invite = access_invites.invite_create(
        actor=actor_of(options),
        email=options["email"],
        name=options["name"],
        uses=options["uses"],
        days=options["days"],
        note=options["note"],
    )
    out.stdout.write(
        f"Invitation {invite.code} for {invite.email or '(anyone)'}: {invite.max_uses} use(s), "
        f"until {invite.expires_at:%Y-%m-%d %H:%M} UTC."
    )
    out.stdout.write(f"Link: {access_invites.invite_link(invite)}")
    if options["send"]:
        _send([invite], options, out)
    return 0


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


def invite_revoke(options: dict, out) -> int:
    invite = access_invites.invite_revoke(
        code=options["code"], actor=actor_of(options), reason=options["reason"]
    )
    out.stdout.write(f"Invitation {invite.code} withdrawn.")
    return 0


def waitlist_list(options: dict, out) -> int:
    counts = selectors.waitlist_counts()
    out.stdout.write(f"{counts['total']} waiting, {counts['notified']} told the doors opened.")
    for entry in selectors.waitlist_list():
        told = f"told {entry.notified_at:%Y-%m-%d %H:%M}" if entry.notified_at else "waiting"
        out.stdout.write(f"  {entry.created_at:%Y-%m-%d %H:%M}  {entry.email:<40} {told}")
    return 0


def waitlist_notify(options: dict, out) -> int:
    if not services.doors_open(services.Gate.of(launch_state(fresh=True))):
        out.stdout.write("The doors are not open yet (the gate must be public at 100 %).")
        return 1
    told = services.waitlist_notify()
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
