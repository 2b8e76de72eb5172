"""Off-site copies in S3, against a real S3-compatible HTTP server (moto's, started by the
fixtures in conftest.py), on whichever database DATABASE_URL names (CI runs SQLite and PG)."""

from __future__ import annotations

import hashlib
import json
import logging
import os

import pytest
from django.contrib.auth.models import Group
from django.core.management import CommandError, call_command
from django.db import close_old_connections
from django.test import Client, override_settings

from midas.backups import manifest as manifests
from midas.backups import offsite
from midas.backups.manifest import BackupError, Manifest, sha256_of
from midas.backups.retention import Policy
from midas.backups.services import (
    backup_create,
    backup_fetch,
    backup_prune,
    backup_push,
    backup_verify,
    live_states,
)
from midas.backups.tasks import daily_backup

from .conftest import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    SESSION_TOKEN,
    aws_environment,
    offsite_settings,
    s3_at,
    start_s3_server,
)

database = pytest.mark.django_db(transaction=True)  # the tests that back the database up
SECRETS = (SECRET_ACCESS_KEY, SESSION_TOKEN, ACCESS_KEY_ID)


def object_bytes(s3, name: str) -> bytes:
    return s3.client.get_object(Bucket=s3.bucket, Key=s3.key(name))["Body"].read()


def row_of(listed: str, backup_id: str) -> str:
    return next(line for line in listed.splitlines() if backup_id in line)


def where(listed: str, backup_id: str) -> list[str]:
    """The "local" and "off-site" cells of a backup's row in ``midas backup list``."""
    cells = [cell.strip() for cell in row_of(listed, backup_id).split("│")[1:-1]]
    return cells[7:9]


def assert_no_secret(*texts: str) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


@database
def test_create_copies_the_dump_and_its_manifest_off_site(s3, caplog, capsys):
    Group.objects.create(name="drivers")
    caplog.set_level(logging.DEBUG)  # even at DEBUG no credential reaches a log line
    call_command("backup", "create")
    out = capsys.readouterr()
    manifest = manifests.all_manifests()[0]
    assert f"Copied off-site: s3://{s3.bucket}/{s3.prefix}/{manifest.dump_file}" in out.out

    assert s3.names() == {manifest.dump_file, f"{manifest.id}.json"}
    dump = object_bytes(s3, manifest.dump_file)
    assert hashlib.sha256(dump).hexdigest() == manifest.sha256 == sha256_of(manifest.dump_path())
    head = s3.client.head_object(Bucket=s3.bucket, Key=s3.key(manifest.dump_file))
    assert head["Metadata"]["sha256"] == manifest.sha256
    remote = json.loads(object_bytes(s3, f"{manifest.id}.json"))
    assert remote["sha256"] == manifest.sha256
    assert remote["tables"]["auth_group"]["rows"] == 1
    assert manifest.offsite_at and remote["offsite_at"] == manifest.offsite_at
    assert not manifest.offsite_failed
    assert f"backup {manifest.id} copied off-site" in caplog.text
    assert_no_secret(caplog.text, out.out, out.err, manifest.to_json())


@database
def test_list_shows_which_backups_have_an_off_site_copy(s3, backup_dir, capsys):
    with override_settings(BACKUP_S3_URL=""):
        local_only = backup_create()
    copied = backup_create()
    call_command("backup", "list")
    out = capsys.readouterr()
    assert "off-site" in out.out
    assert where(out.out, copied.id) == ["yes", "yes"]
    assert where(out.out, local_only.id) == ["yes", "no"]
    assert_no_secret(out.out, out.err)

    # the dump gone from S3 after it was copied: MISSING; then verify copies it again
    s3.client.delete_object(Bucket=s3.bucket, Key=s3.key(copied.dump_file))
    call_command("backup", "list")
    assert where(capsys.readouterr().out, copied.id) == ["yes", "MISSING"]
    assert backup_verify(backup_id=copied.id).ok
    assert copied.dump_file in s3.names()
    kept = manifests.load(copied.id)
    assert kept.offsite_checked_at and not kept.offsite_failed
    assert json.loads(object_bytes(s3, f"{copied.id}.json"))["verified_at"] == kept.verified_at


@database
def test_verify_records_that_the_off_site_copy_is_there(s3, capsys):
    manifest = backup_create()
    call_command("backup", "verify", manifest.id)
    assert "off-site copy is there" in capsys.readouterr().out
    kept = manifests.load(manifest.id)
    assert kept.verified_at and kept.offsite_checked_at
    remote = json.loads(object_bytes(s3, f"{manifest.id}.json"))
    assert remote["verified_at"] == kept.verified_at  # the copy knows it was verified


@database
def test_restore_from_s3_when_the_local_backup_is_lost(s3, backup_dir, capsys):
    Group.objects.create(name="before")
    manifest = backup_create()
    Group.objects.create(name="after")
    manifest.dump_path().unlink()  # the machine is lost: dump and manifest
    manifest.manifest_path().unlink()

    call_command("backup", "list")
    assert where(capsys.readouterr().out, manifest.id) == ["no", "yes"]  # only off-site
    with pytest.raises(CommandError, match="--force"):
        call_command("backup", "restore", manifest.id, "--from-s3")
    assert not manifest.dump_path().exists()  # nothing downloaded without --force

    call_command("backup", "restore", manifest.id, "--from-s3", "--force")
    close_old_connections()
    assert sorted(Group.objects.values_list("name", flat=True)) == ["before"]
    assert live_states() == manifest.tables
    fetched = manifests.load(manifest.id)
    assert fetched.sha256 == sha256_of(fetched.dump_path()) == manifest.sha256
    assert oct(fetched.dump_path().stat().st_mode & 0o777) == "0o600"
    safety = [m for m in manifests.all_manifests() if m.kind == "safety"]
    assert len(safety) == 1 and safety[0].dump_file in s3.names()  # copied off-site too


@database
def test_fetch_when_only_the_dump_is_lost(s3):
    manifest = backup_create()
    manifest.dump_path().unlink()
    fetched = backup_fetch(backup_id=manifest.id)
    assert sha256_of(fetched.dump_path()) == manifest.sha256
    assert fetched.to_json() == manifest.to_json()  # this machine's manifest, left as it was


@database
def test_a_corrupted_off_site_dump_is_refused(s3, backup_dir):
    manifest = backup_create()
    Group.objects.create(name="after the backup")
    raw = bytearray(object_bytes(s3, manifest.dump_file))
    raw[len(raw) // 2] ^= 0xFF  # one bit flip in S3, recorded sha256 left as it was
    s3.client.put_object(
        Bucket=s3.bucket,
        Key=s3.key(manifest.dump_file),
        Body=bytes(raw),
        Metadata={"sha256": manifest.sha256},
    )
    manifest.dump_path().unlink()
    with pytest.raises(CommandError, match=r"off-site dump's sha256 .* does not match"):
        call_command("backup", "restore", manifest.id, "--from-s3", "--force")
    assert Group.objects.filter(name="after the backup").exists()  # the database untouched
    assert not manifest.dump_path().exists()  # the bad download is not kept
    assert not list(backup_dir.glob(".*partial"))
    assert [m.kind for m in manifests.all_manifests()] == ["manual"]  # no safety backup


@database
def test_an_unknown_off_site_backup_and_no_s3_are_clear_errors(s3):
    with pytest.raises(CommandError, match="no such backup in s3://"):
        call_command("backup", "fetch", "20990101T000000Z-000000")
    with pytest.raises(CommandError, match="no such backup"):
        call_command("backup", "fetch", "../etc")
    with override_settings(BACKUP_S3_URL=""), pytest.raises(CommandError, match="not set"):
        call_command("backup", "restore", "20990101T000000Z-000000", "--from-s3", "--force")


@database
def test_s3_unreachable_the_local_backup_stands_and_the_failure_is_kept(
    backup_dir, monkeypatch, caplog, capsys, s3_server
):
    aws_environment(monkeypatch)
    server = start_s3_server()
    host, port = server.get_host_and_port()
    store = s3_at(f"http://{host}:{port}")
    server.stop()  # S3 is down, for real: nothing listens there any more
    caplog.set_level(logging.DEBUG)
    with offsite_settings(store):
        call_command("backup", "create")  # no error: the local backup is taken
        out = capsys.readouterr()
        manifest = manifests.all_manifests()[0]
        assert manifest.dump_path().is_file() and sha256_of(manifest.dump_path())
        assert manifest.offsite_failed and manifest.offsite_at is None
        assert "Could not connect" in manifest.offsite_problem
        assert "Off-site copy FAILED" in out.err
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert [r.name for r in errors] == ["midas.backups.services"]
        assert f"backup {manifest.id} has no good off-site copy" in errors[0].getMessage()

        call_command("backup", "list")
        listed = capsys.readouterr()
        assert where(listed.out, manifest.id)[1].startswith("FAILED ")
        assert "listing S3 failed" in listed.err
        scrape = Client().get("/metrics").content.decode()  # loopback: allowed
        assert "midas_backup_offsite_failed 1.0" in scrape

        pruned = backup_prune(dry_run=True)  # the local prune goes on; S3's problem is said
        assert pruned.kept == [manifest.id] and "listing S3 failed" in pruned.offsite_problem
        assert_no_secret(caplog.text, out.out, out.err, listed.out, listed.err)
        assert_no_secret(manifest.manifest_path().read_text())

    # S3 is back (moto keeps its buckets in the process: the session's server has it)
    with offsite_settings(store), override_settings(BACKUP_S3_ENDPOINT_URL=s3_server):
        call_command("backup", "push", manifest.id)
        kept = manifests.load(manifest.id)
        assert kept.offsite_at and not kept.offsite_failed
        scrape = Client().get("/metrics").content.decode()
        assert "midas_backup_offsite_failed 0.0" in scrape


def test_large_dumps_go_up_and_down_in_parts(s3, backup_dir, monkeypatch):
    monkeypatch.setattr(offsite, "MULTIPART_THRESHOLD", 5 * offsite.MB)
    monkeypatch.setattr(offsite, "MULTIPART_CHUNKSIZE", 5 * offsite.MB)  # S3's smallest part
    backup_id = "20270101T000000Z-abcdef"
    path = backup_dir / f"{backup_id}.sqlite3"
    backup_dir.mkdir(parents=True, exist_ok=True)
    path.write_bytes(os.urandom(11 * offsite.MB))
    Manifest(
        id=backup_id,
        created_at="2027-01-01T00:00:00+00:00",
        kind="manual",
        vendor="sqlite",
        dump_file=path.name,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        release={},
        sentinel="",
        tables={},
    ).save()
    backup_push(backup_id=backup_id)
    head = s3.client.head_object(Bucket=s3.bucket, Key=s3.key(path.name), PartNumber=1)
    assert head["PartsCount"] == 3
    want = sha256_of(path)
    path.unlink()
    assert sha256_of(backup_fetch(backup_id=backup_id).dump_path()) == want


@database
def test_prune_applies_retention_to_the_off_site_copies(s3, capsys):
    verified = backup_create()
    verified.verified_at = verified.created_at  # as a verify would (tested elsewhere)
    verified.save()
    only_off_site = backup_create()
    only_off_site.dump_path().unlink()
    only_off_site.manifest_path().unlink()
    older = backup_create()
    newest = backup_create()
    result = backup_prune(policy=Policy(daily=1, weekly=0, monthly=0))
    assert set(result.kept) == {newest.id, verified.id}
    assert set(result.deleted) == {only_off_site.id, older.id}
    assert not result.offsite_problem
    assert s3.names() == {
        name for m in (newest, verified) for name in (m.dump_file, f"{m.id}.json")
    }
    assert not older.dump_path().exists()


@database
def test_the_daily_job_copies_and_checks_off_site(s3):
    backup_id = daily_backup.call()
    manifest = manifests.load(backup_id)
    assert manifest.offsite_at and manifest.offsite_checked_at and not manifest.offsite_failed
    assert {manifest.dump_file, f"{backup_id}.json"} <= s3.names()


def test_the_s3_url_holds_no_credentials():
    for url in ("s3://key:secret@bucket/prefix", "https://bucket/prefix", "s3:///prefix"):
        with override_settings(BACKUP_S3_URL=url), pytest.raises(BackupError) as raised:
            offsite.location()
        assert "secret" not in str(raised.value)
    with override_settings(BACKUP_S3_URL="s3://bucket/a/b/"):
        assert offsite.location().url("x.json") == "s3://bucket/a/b/x.json"
    with override_settings(BACKUP_S3_URL="s3://bucket"):
        assert offsite.location().key("x.json") == "x.json"
