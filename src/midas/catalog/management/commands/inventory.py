"""``midas manage inventory import FILE`` / ``midas manage inventory export``.

Import reads the JSON inventory format or a CSV of assets (by the file's suffix, or
``--format``), validates every row and writes all or nothing; each bad row is printed as
``line N: reason`` and the command exits with status 1. Export writes JSON (everything) or
CSV (assets) to standard output or ``--output``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from midas.catalog.inventory import InventoryError, export_csv, export_json, import_file


class Command(BaseCommand):
    help = "Import or export the catalogue (JSON: everything; CSV: one row per asset)."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="{import,export}")
        actions.required = True
        load = actions.add_parser("import", help="upsert the catalogue from a file")
        load.add_argument("file", type=Path, help="a .json or .csv file")
        load.add_argument("--format", choices=["json", "csv"], help="default: by suffix")
        load.add_argument(
            "--dry-run", action="store_true", help="validate and report, write nothing"
        )
        dump = actions.add_parser("export", help="write the catalogue out")
        dump.add_argument("--format", choices=["json", "csv"], default="json")
        dump.add_argument("--output", "-o", type=Path, help="a file (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "import":
            self.load(options["file"], options["format"], options["dry_run"])
        else:
            self.dump(options["format"], options["output"])

    def load(self, path: Path, fmt: str | None, dry_run: bool) -> None:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            report = import_file(path, fmt=fmt, dry_run=dry_run)
        except InventoryError as exc:
            for problem in exc.problems:
                self.stderr.write(f"{path}: {problem}")
            raise CommandError(exc.message) from exc
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason})") from exc
        prefix = "Dry run, nothing written: " if dry_run else "Imported: "
        self.stdout.write(self.style.SUCCESS(prefix + report.summary()))

    def dump(self, fmt: str, output: Path | None) -> None:
        text = export_csv() if fmt == "csv" else export_json()
        if output is None:
            self.stdout.write(text, ending="")
            return
        output.write_text(text, encoding="utf-8")
        self.stderr.write(f"Wrote {output} ({len(text.encode()):,} bytes)")
