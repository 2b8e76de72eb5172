"""Backups end to end, on whichever database DATABASE_URL names (CI runs SQLite and PG)."""

from __future__ import annotations

import json
import threading
import time

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import close_old_connections, connection

from midas.backups import manifest as manifests
from midas.backups.manifest import BackupError, sha256_of
from midas.backups.models import BackupSentinel
from midas.backups.services import (
    backup_create,
    backup_restore,
    backup_verify,
    live_states,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_create_writes_dump_and_manifest(backup_dir):
    Group.objects.create(name="drivers")
    manifest = backup_create()
    data = json.loads((backup_dir / f"{manifest.id}.json").read_text())
    assert data["vendor"] == connection.vendor
    assert data["sha256"] == sha256_of(backup_dir / manifest.dump_file)
    assert data["release"]["version"]
    assert data["tables"]["auth_group"]["rows"] == 1
    assert data["tables"]["backups_backupsentinel"]["rows"] == 1
    assert BackupSentinel.objects.filter(token=data["sentinel"]).exists()
    assert data["verified_at"] is None
    assert not list(backup_dir.glob(".*.partial"))


def test_list_and_verify_commands(backup_dir, capsys):
    first = backup_create()
    second = backup_create()
    call_command("backup", "list")
    listed = capsys.readouterr().out
    assert first.id in listed and second.id in listed
    call_command("backup", "verify")  # the newest
    assert second.id in capsys.readouterr().out
    assert manifests.load(second.id).verified_at
    assert manifests.load(first.id).verified_at is None


def test_verify_detects_a_corrupted_dump(backup_dir):
    manifest = backup_create()
    path = backup_dir / manifest.dump_file
    raw = bytearray(path.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 64] = b"\xff" * 64
    path.write_bytes(bytes(raw))
    report = backup_verify(backup_id=manifest.id)
    assert not report.ok
    assert any("sha256 mismatch" in p for p in report.problems)
    with pytest.raises(CommandError, match="failed verification"):
        call_command("backup", "verify", manifest.id)
    assert manifests.load(manifest.id).verified_at is None


def test_verify_detects_a_missing_sentinel(backup_dir):
    manifest = backup_create()
    manifest.sentinel = "0" * 32  # a token the dump does not hold
    manifest.save()
    report = backup_verify(backup_id=manifest.id)
    assert report.problems == [f"sentinel row {'0' * 32} missing"]


def test_verify_detects_row_counts_that_differ(backup_dir):
    manifest = backup_create()
    manifest.tables["auth_group"].rows += 1
    manifest.save()
    report = backup_verify(backup_id=manifest.id)
    assert report.problems == ["table auth_group: 0 rows, manifest says 1"]


def test_restore_refuses_without_force(backup_dir):
    manifest = backup_create()
    Group.objects.create(name="after the backup")
    with pytest.raises(BackupError, match="--force"):
        backup_restore(backup_id=manifest.id)
    with pytest.raises(CommandError, match="--force"):
        call_command("backup", "restore", manifest.id)
    assert Group.objects.filter(name="after the backup").exists()
    assert len(manifests.all_manifests()) == 1  # no safety backup either


def test_restore_takes_a_safety_backup_then_restores(backup_dir):
    Group.objects.create(name="before")
    manifest = backup_create()
    Group.objects.create(name="after")
    call_command("backup", "restore", manifest.id, "--force")
    close_old_connections()
    assert sorted(Group.objects.values_list("name", flat=True)) == ["before"]
    safety = [m for m in manifests.all_manifests() if m.kind == "safety"]
    assert len(safety) == 1
    assert safety[0].tables["auth_group"].rows == 2
    assert backup_verify(backup_id=safety[0].id).ok
    assert live_states() == manifest.tables


def test_restore_refuses_a_dump_whose_sha256_differs(backup_dir):
    manifest = backup_create()
    (backup_dir / manifest.dump_file).write_bytes(b"not a dump")
    with pytest.raises(BackupError, match="sha256"):
        backup_restore(backup_id=manifest.id, force=True)


def test_unknown_backup_is_a_clear_error(backup_dir):
    with pytest.raises(CommandError, match="no such backup"):
        call_command("backup", "verify", "20990101T000000Z-000000")
    with pytest.raises(CommandError, match="no such backup"):
        call_command("backup", "restore", "../etc", "--force")


def _writer(stop_at: float, rate: float, written: list[str]) -> None:
    """Insert rows at about ``rate`` a second until ``stop_at`` (time.monotonic())."""
    try:
        i = 0
        while time.monotonic() < stop_at:
            name = f"writer-{i:05d}"
            Group.objects.create(name=name)
            written.append(name)
            i += 1
            time.sleep(1 / rate)
    finally:
        connection.close()


def test_backup_under_20_writes_a_second_restores_equal(backup_dir):
    """A backup taken while 20 writes a second go on: verify (scratch restore) and a live
    restore both give row counts and checksums equal to the manifest's."""
    written: list[str] = []
    started = time.monotonic()
    writer = threading.Thread(target=_writer, args=(started + 3.0, 20, written))
    writer.start()
    try:
        time.sleep(1.0)
        manifest = backup_create()
        during = len(written)
    finally:
        writer.join(timeout=30)
    assert not writer.is_alive()
    total = len(written)
    assert total >= 40  # about 60 at 20/s for 3 s
    in_backup = manifest.tables["auth_group"].rows
    assert 0 < in_backup < total  # taken mid-stream: rows before it and after it
    assert in_backup <= during + 1

    report = backup_verify(backup_id=manifest.id)
    assert report.ok, report.problems
    assert Group.objects.count() == total
    backup_restore(backup_id=manifest.id, force=True)
    close_old_connections()
    assert Group.objects.count() == in_backup
    assert set(Group.objects.values_list("name", flat=True)) == set(written[:in_backup])
    assert live_states() == manifest.tables  # every table: counts and checksums


def test_a_failed_verification_is_an_error_kept_listed_and_exported(backup_dir, capsys, caplog):
    from django.test import Client
    from django.utils import timezone

    from midas.backups.selectors import verified_state

    good = backup_create()
    backup_verify(backup_id=good.id)
    bad = backup_create()
    (backup_dir / bad.dump_file).write_bytes(b"not a dump at all")
    with caplog.at_level("ERROR", logger="midas.backups.services"):
        assert not backup_verify(backup_id=bad.id).ok
    assert f"backup {bad.id} failed verification" in caplog.text
    kept = manifests.load(bad.id)
    assert kept.verify_failed and kept.verify_problems and kept.verified_at is None
    call_command("backup", "list")
    assert "FAILED" in capsys.readouterr().out

    state = verified_state(timezone.now())
    assert state.failed and state.age_seconds is not None and state.age_seconds < 300
    scrape = Client().get("/metrics").content.decode()  # loopback: allowed
    assert "midas_backup_verify_failed 1.0" in scrape
    assert "midas_backup_last_verified_age_seconds" in scrape

    (backup_dir / bad.dump_file).unlink()
    (backup_dir / bad.id).with_suffix(".json").unlink()
    assert not verified_state(timezone.now()).failed  # the newest left verified fine
