"""The daily job, the backup before migrations, the CLI wiring, and secrets kept off argv."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import override_settings

from midas.backups import engine_postgres
from midas.backups import manifest as manifests
from midas.backups.receivers import backup_before_migrate
from midas.backups.tasks import daily_backup
from midas.jobs.schedule import discover

pytestmark = pytest.mark.django_db(transaction=True)


def test_daily_backup_job_is_scheduled_every_24_hours():
    job = discover()["daily_backup"]
    assert job.every.total_seconds() == 24 * 3600


def test_daily_backup_job_takes_verifies_and_prunes(backup_dir):
    backup_id = daily_backup.call()
    manifest = manifests.load(backup_id)
    assert manifest.kind == "daily"
    assert manifest.verified_at


def test_backup_before_migrate_once_per_plan(backup_dir):
    plan = [("a migration", False)]
    with override_settings(BACKUP_BEFORE_MIGRATE=True):
        first = backup_before_migrate(None, using="default", plan=plan)
        assert first is not None and first.kind == "pre-migrate"
        assert backup_before_migrate(None, using="default", plan=plan) is None  # same run
        assert backup_before_migrate(None, using="default", plan=[]) is None  # nothing to do
    with override_settings(BACKUP_BEFORE_MIGRATE=False):
        assert backup_before_migrate(None, using="default", plan=[("x", False)]) is None
    assert [m.id for m in manifests.all_manifests()] == [first.id]


def test_migrate_with_nothing_to_apply_takes_no_backup(backup_dir):
    from django.core.management import call_command

    with override_settings(BACKUP_BEFORE_MIGRATE=True):
        call_command("migrate", verbosity=0)
    assert manifests.all_manifests() == []


def test_midas_backup_is_passed_through(backup_dir, capsys):
    from midas.cli import main

    assert main(["backup", "list"]) == 0
    assert "No backups yet." in capsys.readouterr().out


def test_password_goes_in_the_environment_never_on_the_command_line(monkeypatch, tmp_path):
    calls = []

    class Done:
        returncode = 0
        stderr = ""

    def fake_run(argv, *, env, **kwargs):
        calls.append((argv, env))
        return Done()

    fake_settings = {**connection.settings_dict, "PASSWORD": "pa55-word-xyz", "HOST": "db"}
    monkeypatch.setattr(engine_postgres.subprocess, "run", fake_run)
    monkeypatch.setattr(
        engine_postgres, "connection", type("C", (), {"settings_dict": fake_settings})()
    )
    engine_postgres._run(["pg_dump", "--format=custom", f"--file={tmp_path / 'x'}"])
    argv, env = calls[0]
    assert "pa55-word-xyz" not in " ".join(argv)
    assert env["PGPASSWORD"] == "pa55-word-xyz"
    assert env["PGHOST"] == "db"


def test_daily_backup_job_fails_when_verification_fails(backup_dir, monkeypatch):
    from midas.backups import services
    from midas.backups.manifest import BackupError

    monkeypatch.setattr(
        services,
        "backup_verify",
        lambda **kw: services.VerifyReport(backup_id=kw["backup_id"], problems=["broken"]),
    )
    with pytest.raises(BackupError, match="failed verification"):
        daily_backup.call()


def test_backups_are_private_and_report_progress(backup_dir):
    from midas.backups.services import backup_create

    steps = []
    manifest = backup_create(step=lambda what, done, total: steps.append((what, done, total)))
    assert backup_dir.stat().st_mode & 0o777 == 0o700
    assert (backup_dir / manifest.dump_file).stat().st_mode & 0o777 == 0o600
    assert (backup_dir / f"{manifest.id}.json").stat().st_mode & 0o777 == 0o600
    assert steps[-1][1] == steps[-1][2] == len(manifest.tables)
