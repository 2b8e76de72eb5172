"""``migrate`` (``midas migrate``) that respects the system freeze.

During the freeze window, with migrations to apply (or an explicit target), it refuses with
exit code 3 unless ``--freeze-override "REASON" --by EMAIL`` is given; the override is
recorded (``launch.freeze.override``) and announced. With nothing to apply it runs as usual,
so ``midas serve``'s own migrate at start-up keeps working in the freeze. ``--plan`` and
``--check`` change nothing and are never refused.
"""

from __future__ import annotations

import os

from django.core.management.base import CommandError, CommandParser
from django.core.management.commands.migrate import Command as DjangoMigrate
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from midas.errors import AppError

REFUSED = 3


def pending_migrations(database: str) -> list[str]:
    """``app.name`` of every migration not applied yet on ``database``."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _ in plan]


class Command(DjangoMigrate):
    help = DjangoMigrate.help + " Refused during the launch freeze without an override."

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--freeze-override",
            default="",
            metavar="REASON",
            help="migrate during the system freeze; the reason is recorded",
        )
        parser.add_argument(
            "--by",
            default=os.environ.get("MIDAS_OPERATOR", ""),
            help="the staff account overriding the freeze (default: $MIDAS_OPERATOR)",
        )

    def handle(self, *args, **options):
        if not (options.get("plan") or options.get("check_unapplied")):
            self.check_freeze(options)
        return super().handle(*args, **options)

    def check_freeze(self, options: dict) -> None:
        from midas.launch import actors
        from midas.launch.state.freeze import guard

        pending = pending_migrations(options["database"])
        if not pending and not options.get("app_label"):
            return
        result = guard()
        if result.allowed:
            return
        reason = (options.get("freeze_override") or "").strip()
        if not reason:
            raise CommandError(
                f"refused: {len(pending)} migration(s) to apply "
                f"({', '.join(pending[:5])}{'...' if len(pending) > 5 else ''}). "
                f'{result.reason} Override: midas migrate --freeze-override "REASON" '
                "--by EMAIL",
                returncode=REFUSED,
            )
        from midas.launch.state.freeze import freeze_override

        try:
            freeze_override(
                actor=actors.by_email(options.get("by") or "", via="cli"),
                reason=reason,
                what=f"migrate: {', '.join(pending[:5]) or options.get('app_label')}",
                minutes=30,
            )
        except AppError as exc:
            raise CommandError(f"refused ({exc.code}): {exc.message}", returncode=2) from exc
        self.stdout.write(f"Freeze overridden (recorded): {reason}")
