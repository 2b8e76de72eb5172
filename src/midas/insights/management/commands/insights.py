"""``midas insights rollup [--day YYYY-MM-DD] | prune``: the analytics jobs by hand."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from midas.insights.services import insights_prune, rollup_day, rollup_recent


class Command(BaseCommand):
    help = "First-party analytics: rebuild day rollups, or prune raw rows past retention."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rollup = sub.add_parser("rollup", help="rebuild today's and yesterday's rollups")
        rollup.add_argument("--day", help="one UTC day instead (YYYY-MM-DD)")
        sub.add_parser("prune", help="delete raw rows older than INSIGHTS_RETENTION_DAYS")

    def handle(self, *args, **options):
        if options["action"] == "prune":
            self.stdout.write(f"Deleted {insights_prune()} row(s) past retention.")
            return
        if options.get("day"):
            try:
                day = dt.date.fromisoformat(options["day"])
            except ValueError as exc:
                raise CommandError(f"not a date: {options['day']!r}") from exc
            sessions = rollup_day(day=day)
        else:
            sessions = rollup_recent()
        self.stdout.write(f"Rolled up {sessions} session(s).")
