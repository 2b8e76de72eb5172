"""Backups: create, verify, restore, prune. One write path each; the CLI, the daily job and
the pre-migrate hook all call these. Backup state lives in manifest files, not in tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from types import ModuleType

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from midas.backups import engine_postgres, engine_sqlite
from midas.backups.manifest import (
    BackupError,
    Manifest,
    all_manifests,
    backup_dir,
    backup_lock,
    load,
    new_backup_id,
    release_info,
    sha256_of,
)
from midas.backups.retention import Policy, kept_ids

logger = logging.getLogger(__name__)
Step = Callable[[str, int, int], None]
SUFFIX = {"sqlite": "sqlite3", "postgresql": "pgdump"}


def vendor() -> str:
    if connection.vendor not in SUFFIX:
        raise BackupError(f"backups support SQLite and PostgreSQL, not {connection.vendor}")
    return connection.vendor


def engine() -> ModuleType:
    return engine_sqlite if vendor() == "sqlite" else engine_postgres


def _write_sentinel() -> str:
    """A row committed just before the dump begins; '' when the table does not exist yet
    (a backup before the very migration that creates it)."""
    from midas.backups.models import BackupSentinel

    if connection.in_atomic_block:
        raise BackupError("a backup cannot start inside a transaction (the sentinel must commit)")
    if BackupSentinel._meta.db_table not in connection.introspection.table_names():
        return ""
    token = secrets.token_hex(16)
    BackupSentinel.objects.create(token=token)
    return token


def backup_create(*, kind: str = "manual", step: Step | None = None) -> Manifest:
    """Write a sentinel row, dump the live database, write the manifest; return it."""
    with backup_lock():
        directory = backup_dir()
        now = timezone.now()
        backup_id = new_backup_id(now)
        dump_file = f"{backup_id}.{SUFFIX[vendor()]}"
        sentinel = _write_sentinel()
        partial = directory / f".{dump_file}.partial"
        try:
            tables = engine().dump(partial, step)
            partial.chmod(0o600)  # customer data: owner only
            os.replace(partial, directory / dump_file)
        finally:
            partial.unlink(missing_ok=True)
        path = directory / dump_file
        manifest = Manifest(
            id=backup_id,
            created_at=now.astimezone(dt.UTC).isoformat(),
            kind=kind,
            vendor=vendor(),
            dump_file=dump_file,
            sha256=sha256_of(path),
            size=path.stat().st_size,
            release=release_info(),
            sentinel=sentinel,
            tables=tables,
        )
        manifest.save(directory)
    logger.info("backup %s taken (%s, %d rows)", backup_id, kind, manifest.total_rows)
    return manifest


@dataclass
class VerifyReport:
    backup_id: str
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def backup_verify(*, backup_id: str | None = None, step: Step | None = None) -> VerifyReport:
    """Restore the backup (the newest when no id) into a scratch database and check its
    integrity, the sha256, row counts and checksums against the manifest, and the sentinel."""
    manifest = load(backup_id) if backup_id else _newest()
    report = VerifyReport(backup_id=manifest.id)
    path = manifest.dump_path()
    if manifest.vendor != vendor():
        report.problems.append(f"a {manifest.vendor} backup; this database is {vendor()}")
        return report
    if not path.is_file():
        report.problems.append(f"dump file missing: {path.name}")
        return _verified(manifest, report)
    digest = sha256_of(path)
    if digest != manifest.sha256:
        report.problems.append(
            f"sha256 mismatch: manifest {manifest.sha256[:12]}…, file {digest[:12]}…"
        )
    tables, sentinel_found, problems = engine().inspect(path, manifest.sentinel, step)
    report.problems.extend(problems)
    if not problems:
        report.problems.extend(_compare(manifest, tables))
        if manifest.sentinel and not sentinel_found:
            report.problems.append(f"sentinel row {manifest.sentinel} missing")
    return _verified(manifest, report)


def _verified(manifest: Manifest, report: VerifyReport) -> VerifyReport:
    """Keep the outcome in the manifest and say it: a pass at INFO, a failure at ERROR (an
    unusable backup is an operator's problem now, not at the restore)."""
    now = timezone.now().astimezone(dt.UTC).isoformat()
    if report.ok:
        manifest.verified_at, manifest.verify_failed_at, manifest.verify_problems = now, None, []
        logger.info("backup %s verified: ok", manifest.id)
    else:
        manifest.verify_failed_at, manifest.verify_problems = now, report.problems[:5]
        logger.error("backup %s failed verification: %s", manifest.id, report.problems)
    manifest.save()
    return report


def _compare(manifest: Manifest, tables: dict) -> list[str]:
    problems = []
    for name in sorted(set(manifest.tables) | set(tables)):
        want, got = manifest.tables.get(name), tables.get(name)
        if want is None or got is None:
            problems.append(f"table {name}: {'unexpected' if want is None else 'missing'}")
        elif want.rows != got.rows:
            problems.append(f"table {name}: {got.rows} rows, manifest says {want.rows}")
        elif want.checksum != got.checksum:
            problems.append(f"table {name}: checksum differs from the manifest")
    return problems


def live_states(step: Step | None = None) -> dict:
    """Row counts and checksums of the live database, as the manifest records them."""
    if vendor() == "sqlite":
        conn = engine_sqlite._connect(engine_sqlite.live_path(), read_only=True)
        try:
            return engine_sqlite.table_states(conn, step)
        finally:
            conn.close()
    with connection.cursor() as cursor:
        return engine_postgres.table_states(cursor, step)


def backup_restore(*, backup_id: str, force: bool = False, step: Step | None = None) -> Manifest:
    """Replace the live database with a backup. Refuses without ``force``; checks the dump's
    sha256; takes a safety backup of the live database first. Returns the safety backup."""
    manifest = load(backup_id)
    if not force:
        raise BackupError(
            f"restoring {backup_id} overwrites the live database; pass --force to do it "
            "(a safety backup is taken first)"
        )
    if manifest.vendor != vendor():
        raise BackupError(f"{backup_id} is a {manifest.vendor} backup; this is {vendor()}")
    path = manifest.dump_path()
    if not path.is_file() or sha256_of(path) != manifest.sha256:
        raise BackupError(f"{backup_id}: the dump is missing or its sha256 does not match")
    with backup_lock():
        safety = backup_create(kind="safety", step=step)
        try:
            engine().restore(path, step)
        except (BackupError, DatabaseError, OSError) as exc:
            raise BackupError(f"restore failed ({exc}); safety backup: {safety.id}") from exc
    logger.warning("database restored from backup %s (safety backup %s)", backup_id, safety.id)
    return safety


@dataclass
class PruneResult:
    kept: list[str]
    deleted: list[str]


def policy_from_settings() -> Policy:
    return Policy(
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )


def backup_prune(*, policy: Policy | None = None, dry_run: bool = False) -> PruneResult:
    """Delete the backups the retention policy does not keep (never the newest verified)."""
    policy = policy or policy_from_settings()
    with backup_lock():
        manifests = all_manifests()
        keep = kept_ids(manifests, policy)
        result = PruneResult(kept=[], deleted=[])
        for manifest in manifests:
            if manifest.id in keep:
                result.kept.append(manifest.id)
                continue
            result.deleted.append(manifest.id)
            if not dry_run:
                manifest.dump_path().unlink(missing_ok=True)
                manifest.manifest_path().unlink(missing_ok=True)
    return result


def _newest() -> Manifest:
    manifests = [m for m in all_manifests() if m.vendor == vendor()]
    if not manifests:
        raise BackupError(f"no backups in {backup_dir()}")
    return manifests[0]
