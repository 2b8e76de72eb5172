"""``midas incident list | open | ack | confirm-breach | publish | resolve``: incidents as the
launch team handles them — the status page, the escalation matrix and the launch channel
together (docs/explanation/launch-triggers-escalation.md). ``open``, ``ack``,
``confirm-breach``, ``publish`` and ``resolve`` are the actions of ``response.actions``,
which the console runs too. A refused action prints its
code and exits 2."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from midas.errors import AppError
from midas.launch.actions import add_commands
from midas.launch.response.actions import ACTIONS
from midas.launch.response.selectors import incident_rows


class Command(BaseCommand):
    help = "Launch incidents: list, open, acknowledge, confirm a breach, make public, resolve."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        listing = sub.add_parser("list", help="open incidents with their escalation")
        listing.add_argument("--all", action="store_true", help="resolved ones too")
        listing.set_defaults(handler=list_incidents)
        add_commands(sub, ACTIONS)

    def handle(self, *args, **options) -> None:
        try:
            code = options["handler"](options, self)
        except AppError as exc:
            self.stderr.write(f"refused ({exc.code}): {exc.message}")
            raise SystemExit(2) from exc
        if code:
            raise SystemExit(code)


def list_incidents(options: dict, out) -> int:
    w = out.stdout.write
    rows = incident_rows(open_only=not options["all"], now=timezone.now())
    if not rows:
        w("No open incidents." if not options["all"] else "No incidents.")
        return 0
    w(
        f"{'ID':>5}  {'IMPACT':<9} {'STATUS':<14} {'AGE':>6}  {'LEVEL':<5}  "
        f"{'ACKNOWLEDGED BY':<28} {'SHOWN':<10} TITLE"
    )
    for row in rows:
        i = row.incident
        w(
            f"{i.pk:>5}  {i.impact:<9} {i.status:<14} {row.age_minutes:>4}m  "
            f"{row.level or '-'!s:<5}  {row.acknowledged_by or '-':<28} "
            f"{'public' if i.public else 'staff only':<10} {i.title}"
        )
    return 0
