"""The daily backup job (the worker's scheduler runs it every 24 hours)."""

from __future__ import annotations

import datetime as dt

from django_tasks import task

from midas.jobs.schedule import periodic


@periodic(every=dt.timedelta(hours=24), name="daily_backup")
@task()
def daily_backup() -> str:
    """Take a backup, verify it in a scratch database, then apply the retention policy."""
    from midas.backups.manifest import BackupError
    from midas.backups.services import backup_create, backup_prune, backup_verify

    manifest = backup_create(kind="daily")
    report = backup_verify(backup_id=manifest.id)
    if not report.ok:  # fail the job (kept for investigation); prune nothing
        raise BackupError(f"backup {manifest.id} failed verification: {report.problems}")
    backup_prune()
    return manifest.id
