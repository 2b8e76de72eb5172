"""``midas legacy import DIR [--dry-run]``: bring the old site's data into Midas.

Prints the report (counts per kind, every row not taken with its reason, every pair of
overlapping old bookings with its resolution) and, without ``--dry-run``, applies it in one
transaction. docs/how-to/migrate-from-the-old-site.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from midas.errors import AppError
from midas.legacy.services import legacy_import


class Command(BaseCommand):
    help = "Import the old site (inventory.json, users.jsonl, bookings.jsonl) from a folder."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{import}")
        actions.required = True
        load = actions.add_parser("import", help="report, then import the old site's data")
        load.add_argument(
            "folder", type=Path, help="holding inventory.json, users.jsonl, bookings.jsonl"
        )
        load.add_argument("--dry-run", action="store_true", help="print the report, write nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = legacy_import(options["folder"], dry_run=options["dry_run"])
        except AppError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(report.render(), ending="")
