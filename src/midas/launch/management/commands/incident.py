"""``midas incident list | open | ack | resolve``: incidents as the launch team handles
them — the status page, the escalation matrix and the launch channel together
(docs/explanation/launch-triggers-escalation.md). A refused action prints its code and
exits 2."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from midas.errors import AppError
from midas.launch.cli import actor_of, add_by
from midas.launch.response.escalation import incident_acknowledge
from midas.launch.response.selectors import incident_get, incident_rows
from midas.launch.response.services import incident_close, incident_declare
from midas.status.models import IncidentImpact


class Command(BaseCommand):
    help = "Launch incidents: list, open, acknowledge, resolve."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, parser_class=CommandParser)
        listing = sub.add_parser("list", help="open incidents with their escalation")
        listing.add_argument("--all", action="store_true", help="resolved ones too")
        listing.set_defaults(handler=self.list_incidents)

        opening = sub.add_parser("open", help="open an incident (level 1 told at once)")
        opening.add_argument("--title", required=True)
        opening.add_argument("--body", required=True)
        opening.add_argument("--impact", choices=IncidentImpact.values, default="major")
        opening.add_argument("--component", action="append", default=[], dest="components")
        add_by(opening)
        opening.set_defaults(handler=self.open_incident)

        ack = sub.add_parser("ack", help="acknowledge incident ID (stops the escalation)")
        ack.add_argument("id")
        add_by(ack)
        ack.set_defaults(handler=self.ack_incident)

        resolve = sub.add_parser("resolve", help="resolve incident ID")
        resolve.add_argument("id")
        resolve.add_argument("--body", default="This incident has been resolved.")
        add_by(resolve)
        resolve.set_defaults(handler=self.resolve_incident)

    def handle(self, *args, **options) -> None:
        try:
            code = options["handler"](options)
        except AppError as exc:
            self.stderr.write(f"refused ({exc.code}): {exc.message}")
            raise SystemExit(2) from exc
        if code:
            raise SystemExit(code)

    def list_incidents(self, options: dict) -> int:
        rows = incident_rows(open_only=not options["all"], now=timezone.now())
        if not rows:
            self.stdout.write("No open incidents." if not options["all"] else "No incidents.")
            return 0
        self.stdout.write(
            f"{'ID':>5}  {'IMPACT':<9} {'STATUS':<14} {'AGE':>6}  {'LEVEL':<5}  "
            f"{'ACKNOWLEDGED BY':<28} TITLE"
        )
        for row in rows:
            i = row.incident
            self.stdout.write(
                f"{i.pk:>5}  {i.impact:<9} {i.status:<14} {row.age_minutes:>4}m  "
                f"{row.level or '-'!s:<5}  {row.acknowledged_by or '-':<28} {i.title}"
            )
        return 0

    def open_incident(self, options: dict) -> int:
        incident = incident_declare(
            title=options["title"],
            body=options["body"],
            impact=options["impact"],
            components=options["components"],
            actor=actor_of(options),
        )
        self.stdout.write(f"Opened incident #{incident.pk} ({incident.impact}); level 1 told.")
        return 0

    def ack_incident(self, options: dict) -> int:
        incident = incident_get(options["id"])
        incident_acknowledge(incident=incident, actor=actor_of(options))
        self.stdout.write(f"Acknowledged incident #{incident.pk}.")
        return 0

    def resolve_incident(self, options: dict) -> int:
        incident = incident_get(options["id"])
        incident_close(incident=incident, body=options["body"], actor=actor_of(options))
        self.stdout.write(f"Resolved incident #{incident.pk}.")
        return 0
