"""Records kept apart from a restore (``midas.backups.keep``): saved before the restore, put
back after it in one transaction, and a keeper that cannot put them back fails loudly."""

from __future__ import annotations

import json

import pytest
from django.db import close_old_connections

from midas.backups import keep
from midas.backups.manifest import BackupError
from midas.backups.models import BackupSentinel
from midas.backups.services import backup_create, backup_restore

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sentinel_keeper():
    """A keeper of the sentinel tokens (a table the backups own), as the launch keeps its."""
    seen: dict[str, object] = {}

    def save(since):
        seen["since"] = since
        seen["saved"] = sorted(BackupSentinel.objects.values_list("token", flat=True))
        return seen["saved"]

    def put_back(tokens):
        seen["restored_had"] = sorted(BackupSentinel.objects.values_list("token", flat=True))
        BackupSentinel.objects.all().delete()
        BackupSentinel.objects.bulk_create(BackupSentinel(token=t) for t in tokens)
        return f"{len(tokens)} token(s)"

    keep.keep_through_restore("sentinels", save=save, put_back=put_back)
    yield seen
    keep.forget_keeper("sentinels")


def test_kept_records_come_back_after_the_restore(backup_dir, sentinel_keeper):
    first = backup_create(kind="manual")
    backup_create(kind="manual")  # a second sentinel, after the first backup
    notes: list[str] = []

    safety = backup_restore(backup_id=first.id, force=True, notes=notes)
    close_old_connections()

    assert "sentinels: 3 token(s)" in notes  # two backups and the safety backup
    assert sentinel_keeper["since"] == first.created  # when the restored backup was taken
    assert len(sentinel_keeper["restored_had"]) == 1  # the restored database had one
    assert (
        sorted(BackupSentinel.objects.values_list("token", flat=True)) == sentinel_keeper["saved"]
    )
    saved = backup_dir / "kept" / f"{safety.id}.json"
    assert json.loads(saved.read_text())["sentinels"] == sentinel_keeper["saved"]
    assert oct(saved.stat().st_mode & 0o777) == "0o600"


def test_a_keeper_that_fails_fails_the_restore_loudly(backup_dir, sentinel_keeper):
    def broken(_saved):
        raise RuntimeError("disk on fire")

    first = backup_create(kind="manual")
    keep.keep_through_restore("broken", save=lambda since: [1], put_back=broken)
    try:
        with pytest.raises(BackupError, match=r"could not be put back.*disk on fire") as failed:
            backup_restore(backup_id=first.id, force=True)
    finally:
        keep.forget_keeper("broken")
    close_old_connections()
    assert "kept" in str(failed.value) and "safety backup" in str(failed.value)
    # One transaction: the other keeper's records did not come back halfway either.
    assert BackupSentinel.objects.count() == 1


def test_prune_deletes_the_kept_file_with_its_backup(backup_dir):
    from midas.backups.retention import Policy
    from midas.backups.services import backup_prune

    old, new = backup_create(kind="safety"), backup_create(kind="manual")
    kept_old = keep.write({"x": []}, backup_dir / "kept" / f"{old.id}.json")
    kept_new = keep.write({"x": []}, backup_dir / "kept" / f"{new.id}.json")
    assert backup_prune(policy=Policy(daily=1, weekly=0, monthly=0)).deleted == [old.id]
    assert not kept_old.exists() and kept_new.exists()
