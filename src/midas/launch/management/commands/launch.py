"""``midas launch ...``: run launch day from the command line (docs/launch.md).

Sub-commands come from the modules of ``midas.launch.cli``; ``midas launch --help`` lists
them. A refused action (no permission, bad input, wrong state) prints its code and message
and exits 2; a NO-GO or failed check exits 1.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from midas.errors import AppError
from midas.launch import cli


class Command(BaseCommand):
    help = "The go-live control plane: plan, phases, freeze, gate, ramp, go/no-go, rollback."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="subcommand", required=True, parser_class=CommandParser)
        for module in cli.modules():
            module.add_commands(sub)

    def handle(self, *args, **options) -> None:
        handler = options["handler"]
        try:
            code = handler(options, self)
        except AppError as exc:
            self.stderr.write(f"refused ({exc.code}): {exc.message}")
            raise SystemExit(2) from exc
        if code:
            raise SystemExit(code)
