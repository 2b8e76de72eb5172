"""``midas backup create | list | verify [ID] | restore ID --force [--from-s3] | fetch ID |
push ID | prune``.

See docs/explanation/backups.md. Long steps show a progress bar (rich) on a terminal.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from midas.backups import offsite
from midas.backups.manifest import BackupError, Manifest, load
from midas.backups.retention import Policy
from midas.backups.selectors import Listed, listing
from midas.backups.services import (
    backup_create,
    backup_fetch,
    backup_prune,
    backup_push,
    backup_restore,
    backup_verify,
    policy_from_settings,
)

ACTIONS = "{create,list,verify,restore,fetch,push,prune}"


class Command(BaseCommand):
    help = "Create, list, verify, restore and prune database backups, here and in S3."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar=ACTIONS)
        actions.required = True
        create = actions.add_parser("create", help="back up the database now")
        create.add_argument("--verify", action="store_true", help="then verify it")
        actions.add_parser("list", help="list the backups, newest first")
        verify = actions.add_parser("verify", help="restore into a scratch database and check")
        verify.add_argument("backup_id", nargs="?", help="default: the newest backup")
        restore = actions.add_parser("restore", help="replace the live database with a backup")
        restore.add_argument("backup_id")
        restore.add_argument(
            "--force", action="store_true", help="yes, overwrite the live database"
        )
        restore.add_argument(
            "--from-s3",
            action="store_true",
            help="download it from BACKUP_S3_URL first (sha256 checked against the manifest)",
        )
        fetch = actions.add_parser("fetch", help="download a backup from S3 into BACKUP_DIR")
        fetch.add_argument("backup_id")
        push = actions.add_parser("push", help="copy a backup to S3 (again)")
        push.add_argument("backup_id")
        prune = actions.add_parser("prune", help="delete what the retention policy lets go")
        default = policy_from_settings()
        prune.add_argument("--keep-daily", type=int, default=default.daily)
        prune.add_argument("--keep-weekly", type=int, default=default.weekly)
        prune.add_argument("--keep-monthly", type=int, default=default.monthly)
        prune.add_argument("--dry-run", action="store_true", help="show, delete nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        self.console = Console(file=self.stdout, highlight=False, width=180)
        try:
            getattr(self, f"do_{options['action']}")(options)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc

    @contextmanager
    def progress(self, label: str) -> Iterator[Any]:
        """A progress bar on a terminal; silent otherwise. Yields the services' step callback."""
        bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
            disable=not Console(stderr=True).is_terminal,
        )
        task_id = bar.add_task(label, total=None)

        def step(what: str, done: int, total: int) -> None:
            bar.update(task_id, description=f"{label}: {what}", completed=done, total=total)

        with bar:
            yield step

    def do_create(self, options: dict[str, Any]) -> None:
        with self.progress("backup") as step:
            manifest = backup_create(kind="manual", step=step)
        self.console.print(
            f"Backup {manifest.id}: {manifest.dump_file}, {manifest.size} bytes, "
            f"{manifest.total_rows} rows in {len(manifest.tables)} tables, "
            f"sha256 {manifest.sha256[:16]}…"
        )
        self.say_offsite(manifest)
        if options["verify"]:
            self.do_verify({"backup_id": manifest.id})

    def say_offsite(self, manifest: Manifest) -> None:
        """Where the off-site copy went, or why it did not (the local backup stands)."""
        if not offsite.configured():
            return
        if manifest.offsite_failed:
            self.stderr.write(
                f"Off-site copy FAILED: {manifest.offsite_problem} (the local backup is kept; "
                f"`midas backup push {manifest.id}` tries again)"
            )
        elif manifest.offsite_at:
            self.console.print(f"Copied off-site: {offsite.location().url(manifest.dump_file)}")

    def do_list(self, options: dict[str, Any]) -> None:
        found = listing()
        if found.offsite_problem:
            self.stderr.write(f"Off-site copies not listed: {found.offsite_problem}")
        if not found.backups:
            self.console.print("No backups yet.")
            return
        table = Table(
            Column("id", no_wrap=True),
            "taken (UTC)",
            "kind",
            "vendor",
            "size",
            "rows",
            "verified",
            "local",
            "off-site",
            "release",
        )
        for row in found.backups:
            m = row.manifest
            release = m.release.get("version", "?") + (
                f" ({m.release['git_sha'][:8]})" if m.release.get("git_sha") else ""
            )
            table.add_row(
                m.id,
                m.created_at[:19].replace("T", " "),
                m.kind,
                m.vendor,
                f"{m.size:,}",
                f"{m.total_rows:,}",
                verified_cell(m),
                "yes" if row.local else "no",
                offsite_cell(row),
                release,
            )
        self.console.print(table)

    def do_verify(self, options: dict[str, Any]) -> None:
        with self.progress("verify") as step:
            report = backup_verify(backup_id=options["backup_id"], step=step)
        if not report.ok:
            for problem in report.problems:
                self.stderr.write(f"{report.backup_id}: {problem}")
            raise CommandError(f"backup {report.backup_id} failed verification")
        self.console.print(
            f"Backup {report.backup_id} verified: integrity, sha256, row counts, checksums "
            "and the sentinel row."
        )
        manifest = load(report.backup_id)
        if manifest.offsite_checked_at and not manifest.offsite_failed:
            self.console.print("Its off-site copy is there, with the same size and sha256.")
        else:
            self.say_offsite(manifest)

    def do_restore(self, options: dict[str, Any]) -> None:
        kept: list[str] = []
        with self.progress("restore") as step:
            safety = backup_restore(
                backup_id=options["backup_id"],
                force=options["force"],
                from_s3=options["from_s3"],
                step=step,
                notes=kept,
            )
        self.console.print(
            f"Restored {options['backup_id']}. Safety backup of the database as it was: {safety.id}"
        )
        for note in kept:
            self.console.print(f"Kept apart from the restore: {note}")

    def do_fetch(self, options: dict[str, Any]) -> None:
        with self.progress("fetch") as step:
            manifest = backup_fetch(backup_id=options["backup_id"], step=step)
        self.console.print(
            f"Fetched {manifest.id} into {manifest.dump_path()} (sha256 matches the manifest)."
        )

    def do_push(self, options: dict[str, Any]) -> None:
        manifest = backup_push(backup_id=options["backup_id"])
        self.say_offsite(manifest)

    def do_prune(self, options: dict[str, Any]) -> None:
        policy = Policy(
            daily=options["keep_daily"],
            weekly=options["keep_weekly"],
            monthly=options["keep_monthly"],
        )
        result = backup_prune(policy=policy, dry_run=options["dry_run"])
        verb = "Would delete" if options["dry_run"] else "Deleted"
        self.console.print(f"Kept {len(result.kept)}; {verb} {len(result.deleted)}.")
        for backup_id in result.deleted:
            self.console.print(f"  {backup_id}")
        if result.offsite_problem:
            self.stderr.write(f"Off-site copies: {result.offsite_problem}")
        elif offsite.configured() and result.deleted and not options["dry_run"]:
            self.console.print("Their off-site copies were deleted too.")


def offsite_cell(row: Listed) -> str:
    """``FAILED <when>`` when its latest copy or check failed; else whether S3 holds it (as
    listed now, or as recorded when S3 was not asked): "yes", "no", or "MISSING" when it was
    copied once and is gone."""
    m = row.manifest
    if m.offsite_failed_at:
        return "FAILED " + m.offsite_failed_at[:19].replace("T", " ")
    if row.offsite is None:
        return "yes (recorded)" if m.offsite_at else "no"
    if row.offsite:
        return "yes"
    return "MISSING" if m.offsite_at else "no"


def verified_cell(manifest: Manifest) -> str:
    """``FAILED <when>`` when its latest verification failed, else when it passed, or "no"."""
    if manifest.verify_failed_at:
        return "FAILED " + manifest.verify_failed_at[:19].replace("T", " ")
    return (manifest.verified_at or "no")[:19].replace("T", " ")
