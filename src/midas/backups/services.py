"""Backups: create, verify, restore, prune, and their copies off the machine (fetch, push).
One write path each; the CLI, the daily job and the pre-migrate hook all call these. Backup
state lives in manifest files, not in tables.
"""

from __future__ import annotations

import dataclasses
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

from midas.backups import engine_postgres, engine_sqlite, keep, offsite
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
    valid_name,
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
        _copy_offsite(manifest)  # under the lock: no prune deletes the dump mid-upload
    return manifest


def _utc_now() -> str:
    return timezone.now().astimezone(dt.UTC).isoformat()


def _copy_offsite(manifest: Manifest) -> bool:
    """Copy the dump, then its manifest, to S3 when ``BACKUP_S3_URL`` is set, and keep the
    outcome in the manifest. Never raises: the local backup stands whatever S3 does."""
    if not offsite.configured():
        return False
    try:
        where = offsite.location().url(manifest.dump_file)
    except BackupError as exc:
        _offsite_failed(manifest, str(exc))
        return False
    copied = dataclasses.replace(
        manifest, offsite_at=_utc_now(), offsite_failed_at=None, offsite_problem=""
    )
    try:
        s3 = offsite.client()
        stored = offsite.put_dump(copied, manifest.dump_path(), s3)
        if problems := stored.problems(copied):
            raise BackupError(f"the uploaded object does not match: {'; '.join(problems)}")
        offsite.put_manifest(copied, s3)  # after its dump, as a local manifest is
    except Exception as exc:  # whatever went wrong (S3, the network, a bug), say it; go on
        _offsite_failed(manifest, f"copy to {where} failed: {offsite.describe(exc)}")
        return False
    manifest.offsite_at, manifest.offsite_failed_at, manifest.offsite_problem = (
        copied.offsite_at,
        None,
        "",
    )
    manifest.save()
    logger.info("backup %s copied off-site to %s", manifest.id, where)
    return True


def _offsite_failed(manifest: Manifest, problem: str) -> None:
    """An off-site copy that failed is an ERROR and stays in the manifest (``list`` shows it,
    /metrics exports it) until a later copy or check succeeds."""
    manifest.offsite_failed_at, manifest.offsite_problem = _utc_now(), problem
    manifest.save()
    logger.error("backup %s has no good off-site copy: %s", manifest.id, problem)


def _check_offsite(manifest: Manifest) -> None:
    """After a passing verification: is the S3 copy there, of the right size and sha256?
    Then the off-site manifest is written again (it now says the backup was verified). A copy
    that is missing or differs is copied again."""
    if not offsite.configured():
        return
    try:
        s3 = offsite.client()
        stored = offsite.stat_dump(manifest, s3)
        if stored is not None and not stored.problems(manifest):
            manifest.offsite_checked_at = _utc_now()
            manifest.offsite_failed_at, manifest.offsite_problem = None, ""
            offsite.put_manifest(manifest, s3)
            manifest.save()
            logger.info("backup %s: off-site copy checked", manifest.id)
            return
    except Exception as exc:  # the check failed, not the backup: say it; go on
        _offsite_failed(manifest, f"off-site check failed: {offsite.describe(exc)}")
        return
    if manifest.offsite_at:
        why = "missing" if stored is None else "; ".join(stored.problems(manifest))
        logger.error("backup %s: off-site copy %s; copying it again", manifest.id, why)
    if _copy_offsite(manifest):
        manifest.offsite_checked_at = manifest.offsite_at
        manifest.save()


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
    if report.ok:
        _check_offsite(manifest)
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


def backup_restore(
    *,
    backup_id: str,
    force: bool = False,
    from_s3: bool = False,
    step: Step | None = None,
    notes: list[str] | None = None,
) -> Manifest:
    """Replace the live database with a backup. Refuses without ``force``; with ``from_s3``
    fetches the backup from S3 first; checks the dump's sha256; takes a safety backup of the
    live database first. The records registered in ``midas.backups.keep`` (the launch's own)
    are saved before and put back after, in one transaction; their summaries are appended
    to ``notes`` when given. Returns the safety backup."""
    if not from_s3:
        load(backup_id)  # an unknown id is said before --force is asked for
    if not force:
        raise BackupError(
            f"restoring {backup_id} overwrites the live database; pass --force to do it "
            "(a safety backup is taken first)"
        )
    manifest = backup_fetch(backup_id=backup_id, step=step) if from_s3 else load(backup_id)
    if manifest.vendor != vendor():
        raise BackupError(f"{backup_id} is a {manifest.vendor} backup; this is {vendor()}")
    path = manifest.dump_path()
    if not path.is_file() or sha256_of(path) != manifest.sha256:
        raise BackupError(f"{backup_id}: the dump is missing or its sha256 does not match")
    with backup_lock():
        safety = backup_create(kind="safety", step=step)
        saved = keep.save_all(since=manifest.created)
        kept_file = (
            keep.write(saved, backup_dir() / "kept" / f"{safety.id}.json") if saved else None
        )
        try:
            engine().restore(path, step)
        except (BackupError, DatabaseError, OSError) as exc:
            raise BackupError(f"restore failed ({exc}); safety backup: {safety.id}") from exc
        if saved:
            try:
                kept = keep.put_back_all(saved)
            except Exception as exc:  # the restore stands; say loudly what was not put back
                logger.exception("records kept apart from the restore could not be put back")
                raise BackupError(
                    f"restored {backup_id}, but the records kept apart from it could not be put "
                    f"back ({type(exc).__name__}: {exc}); they are in {kept_file} and in the "
                    f"safety backup {safety.id}"
                ) from exc
            logger.info("kept apart from the restore: %s", "; ".join(kept))
            if notes is not None:
                notes.extend(kept)
    logger.warning("database restored from backup %s (safety backup %s)", backup_id, safety.id)
    return safety


def backup_fetch(*, backup_id: str, step: Step | None = None) -> Manifest:
    """Download a backup from S3 into ``BACKUP_DIR`` (its manifest too when this machine has
    none) and check the dump's sha256 against the manifest; a dump that differs is refused
    and not kept. Returns the manifest."""
    if not offsite.configured():
        raise BackupError("BACKUP_S3_URL is not set: there are no off-site copies")
    if not valid_name(backup_id):
        raise BackupError(f"no such backup: {backup_id!r}")
    where = offsite.location()
    with backup_lock():
        directory = backup_dir()
        try:
            manifest: Manifest | None = load(backup_id)  # the record this machine wrote
        except BackupError:
            manifest = None
        partial = directory / f".{backup_id}.fetch.partial"
        try:
            s3 = offsite.client()
            manifest = manifest or offsite.get_manifest(backup_id, s3)
            if manifest is None:
                raise BackupError(f"no such backup in {where.url()}: {backup_id}")
            offsite.get_dump(manifest, partial, s3)
            partial.chmod(0o600)
            if step:
                step("downloaded", 1, 1)
            digest = sha256_of(partial)
            if digest != manifest.sha256:
                raise BackupError(
                    f"{backup_id}: the off-site dump's sha256 ({digest[:12]}…) does not match "
                    f"the manifest's ({manifest.sha256[:12]}…): refused and deleted"
                )
            os.replace(partial, manifest.dump_path(directory))
            manifest.save(directory)
        except offsite.errors() as exc:
            raise BackupError(
                f"fetching {backup_id} from {where.url()} failed: {offsite.describe(exc)}"
            ) from exc
        finally:
            partial.unlink(missing_ok=True)
    logger.info("backup %s fetched from %s (sha256 checked)", backup_id, where.url())
    return manifest


def backup_push(*, backup_id: str) -> Manifest:
    """Copy a backup to S3 (again): after a failed copy, or to a new ``BACKUP_S3_URL``."""
    if not offsite.configured():
        raise BackupError("BACKUP_S3_URL is not set: nowhere to copy to")
    with backup_lock():
        manifest = load(backup_id)
        path = manifest.dump_path()
        if not path.is_file() or sha256_of(path) != manifest.sha256:
            raise BackupError(f"{backup_id}: the dump is missing or its sha256 does not match")
        if not _copy_offsite(manifest):
            raise BackupError(f"{backup_id}: {manifest.offsite_problem}")
    return manifest


@dataclass
class PruneResult:
    kept: list[str]
    deleted: list[str]
    offsite_problem: str = ""  # the off-site copies could not be listed or deleted


def policy_from_settings() -> Policy:
    return Policy(
        daily=settings.BACKUP_KEEP_DAILY,
        weekly=settings.BACKUP_KEEP_WEEKLY,
        monthly=settings.BACKUP_KEEP_MONTHLY,
    )


def backup_prune(*, policy: Policy | None = None, dry_run: bool = False) -> PruneResult:
    """Delete the backups the retention policy does not keep (never the newest verified),
    here and in S3. The policy counts the backups kept only in S3 too."""
    policy = policy or policy_from_settings()
    with backup_lock():
        local = all_manifests()
        remote, problem = _offsite_only({m.id for m in local})
        manifests = sorted(local + remote, key=lambda m: (m.created_at, m.id), reverse=True)
        keep = kept_ids(manifests, policy)
        result = PruneResult(kept=[], deleted=[], offsite_problem=problem)
        gone = []
        for manifest in manifests:
            if manifest.id in keep:
                result.kept.append(manifest.id)
                continue
            result.deleted.append(manifest.id)
            gone.append(manifest)
            if not dry_run:
                manifest.dump_path().unlink(missing_ok=True)
                manifest.manifest_path().unlink(missing_ok=True)
                (backup_dir() / "kept" / f"{manifest.id}.json").unlink(missing_ok=True)
        if gone and not dry_run and offsite.configured():
            try:
                offsite.delete(gone)
            except Exception as exc:  # the local prune is done; say what was left in S3
                result.offsite_problem = "; ".join(
                    filter(None, [problem, f"deleting in S3 failed: {offsite.describe(exc)}"])
                )
    if result.offsite_problem:
        logger.error("backup prune, off-site copies: %s", result.offsite_problem)
    return result


def _offsite_only(known: set[str]) -> tuple[list[Manifest], str]:
    """The backups kept only in S3 (none when off-site copies are off), and what went wrong
    listing them."""
    if not offsite.configured():
        return [], ""
    try:
        return offsite.catalogue(known)[1], ""
    except Exception as exc:
        return [], f"listing S3 failed: {offsite.describe(exc)}"


def _newest() -> Manifest:
    manifests = [m for m in all_manifests() if m.vendor == vendor()]
    if not manifests:
        raise BackupError(f"no backups in {backup_dir()}")
    return manifests[0]
