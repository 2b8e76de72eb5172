"""``midas maintenance on|off|status``: the maintenance page for customers.

midas maintenance on --message "Back at 06:00 EST" [--retry-after SECONDS]
midas maintenance off
midas maintenance status
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from midas.ops.selectors import DEFAULT_RETRY_AFTER, maintenance_state
from midas.ops.services import maintenance_disable, maintenance_enable


class Command(BaseCommand):
    help = "Turn maintenance mode on or off, or show it."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        on = sub.add_parser("on", help="customers get the maintenance page (503)")
        on.add_argument("--message", default="", help="shown to customers")
        on.add_argument(
            "--retry-after",
            type=int,
            default=DEFAULT_RETRY_AFTER,
            help=f"seconds, sent as Retry-After (default {DEFAULT_RETRY_AFTER})",
        )
        sub.add_parser("off", help="serve customers again")
        sub.add_parser("status", help="show whether maintenance mode is on")

    def handle(self, *args, **options) -> None:
        action = options["action"]
        if action == "on":
            if options["retry_after"] < 0:
                raise CommandError("--retry-after must not be negative")
            maintenance_enable(message=options["message"], retry_after=options["retry_after"])
        elif action == "off":
            maintenance_disable()
        state = maintenance_state(fresh=True)
        if state.enabled:
            self.stdout.write(
                f"Maintenance mode is ON since {state.started_at:%Y-%m-%d %H:%M UTC} "
                f"(Retry-After {state.retry_after} s): {state.message or '(default message)'}"
            )
        else:
            self.stdout.write("Maintenance mode is off.")
        if action != "status":
            self.stdout.write("Other processes follow within a few seconds.")
