"""The retention policy and ``prune``."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command
from django.test import override_settings

from midas.backups import manifest as manifests
from midas.backups.manifest import Manifest
from midas.backups.retention import Policy, kept_ids
from midas.backups.services import backup_create, backup_prune, backup_verify

START = dt.datetime(2027, 3, 31, 3, 0, tzinfo=dt.UTC)  # a Wednesday


def fake(when: dt.datetime, *, verified: bool = False, suffix: str = "a") -> Manifest:
    backup_id = f"{when:%Y%m%dT%H%M%SZ}-{suffix}"
    return Manifest(
        id=backup_id,
        created_at=when.isoformat(),
        kind="daily",
        vendor="sqlite",
        dump_file=f"{backup_id}.sqlite3",
        sha256="0" * 64,
        size=1,
        release={"version": "0.1.0"},
        sentinel="",
        tables={},
        verified_at=when.isoformat() if verified else None,
    )


def daily(days: int) -> list[Manifest]:
    return [fake(START - dt.timedelta(days=n)) for n in range(days)]


def test_daily_only_keeps_the_last_n_days():
    backups = daily(10)
    kept = kept_ids(backups, Policy(daily=7, weekly=0, monthly=0))
    assert kept == {m.id for m in backups[:7]}


def test_one_backup_per_day_counts():
    same_day = [fake(START, suffix="b"), fake(START - dt.timedelta(hours=1)), *daily(3)[1:]]
    kept = kept_ids(same_day, Policy(daily=2, weekly=0, monthly=0))
    assert kept == {same_day[0].id, same_day[2].id}  # newest of today, newest of yesterday


def test_weekly_and_monthly_keep_the_newest_of_each_period():
    backups = daily(120)
    kept = kept_ids(backups, Policy(daily=7, weekly=4, monthly=12))
    by_id = {m.id: m for m in backups}
    weeks = {by_id[i].created.isocalendar()[:2] for i in kept}
    months = {(by_id[i].created.year, by_id[i].created.month) for i in kept}
    assert len(weeks) >= 4
    assert months == {(2027, 3), (2027, 2), (2027, 1), (2026, 12)}
    # the newest of each month is kept: 31 Jan, 28 Feb, 31 Dec
    for day in (dt.date(2027, 1, 31), dt.date(2027, 2, 28), dt.date(2026, 12, 31)):
        assert any(by_id[i].created.date() == day for i in kept)
    kept_days = {by_id[i].created.date() for i in kept}
    # days: 25-31 March; weeks: also Sundays 21 and 14 March (28 March is already a day);
    # months: also 28 February, 31 January, 31 December (only 4 months of history)
    expected = {dt.date(2027, 3, d) for d in range(25, 32)} | {
        dt.date(2027, 3, 21),
        dt.date(2027, 3, 14),
        dt.date(2027, 2, 28),
        dt.date(2027, 1, 31),
        dt.date(2026, 12, 31),
    }
    assert kept_days == expected


def test_the_newest_verified_backup_is_always_kept():
    backups = daily(10)
    backups[9] = fake(backups[9].created, verified=True)
    kept = kept_ids(backups, Policy(daily=1, weekly=0, monthly=0))
    assert kept == {backups[0].id, backups[9].id}


def test_a_zero_policy_keeps_only_the_newest_verified():
    backups = daily(3)
    assert kept_ids(backups, Policy(0, 0, 0)) == set()
    backups[1] = fake(backups[1].created, verified=True)
    assert kept_ids(backups, Policy(0, 0, 0)) == {backups[1].id}


@pytest.mark.django_db(transaction=True)
def test_prune_deletes_files_and_keeps_the_newest_verified(backup_dir, capsys):
    old_verified = backup_create()
    assert backup_verify(backup_id=old_verified.id).ok
    newer = [backup_create() for _ in range(2)]
    # all three were taken today: a daily policy of 1 keeps only the newest of today
    call_command(
        "backup", "prune", "--keep-daily=1", "--keep-weekly=0", "--keep-monthly=0", "--dry-run"
    )
    assert "Would delete 1" in capsys.readouterr().out
    assert len(manifests.all_manifests()) == 3
    result = backup_prune(policy=Policy(daily=1, weekly=0, monthly=0))
    assert set(result.kept) == {newer[-1].id, old_verified.id}
    assert result.deleted == [newer[0].id]
    assert not (backup_dir / newer[0].dump_file).exists()
    assert not (backup_dir / f"{newer[0].id}.json").exists()
    assert (backup_dir / old_verified.dump_file).exists()


@pytest.mark.django_db(transaction=True)
def test_prune_defaults_come_from_settings(backup_dir):
    for _ in range(3):
        backup_create()
    with override_settings(BACKUP_KEEP_DAILY=2, BACKUP_KEEP_WEEKLY=0, BACKUP_KEEP_MONTHLY=0):
        result = backup_prune()
    assert len(result.kept) == 1  # one day, so one backup kept by the daily rule
    assert len(result.deleted) == 2
