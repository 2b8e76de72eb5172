"""``midas launch guard [--override --reason ... --by ... --what ... --minutes N]``: may a
deploy go ahead? Exit 0 yes, 3 refused by the system freeze (why and until when printed).
For deploy scripts: ``midas launch guard && ./deploy.sh``."""

from __future__ import annotations

from midas.errors import AppError, ErrorCode
from midas.launch.cli import actor_of, add_by

REFUSED = 3


def add_commands(sub) -> None:
    guard = sub.add_parser("guard", help="exit 0 when deploys may proceed, 3 in the freeze")
    guard.add_argument(
        "--override", action="store_true", help="let deploys through the freeze (recorded)"
    )
    guard.add_argument("--reason", default="")
    guard.add_argument("--what", default="deploy", help="what the override is for")
    guard.add_argument("--minutes", type=int, default=60, help="how long the override lasts")
    add_by(guard)
    guard.set_defaults(handler=run_guard)


def run_guard(options: dict, out) -> int:
    from midas.launch.freeze import freeze_override, guard

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
