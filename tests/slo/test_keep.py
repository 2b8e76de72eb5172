"""A database restore keeps what the site measured since the backup (midas.slo.keep): the
error burst a rollback answered is still in the SLO figures afterwards. SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import close_old_connections
from django.test import override_settings

from midas.backups.services import backup_create, backup_restore
from midas.slo.models import ProbeResult, RequestMinute
from midas.slo.selectors import figures
from tests.pinned import pin_now
from tests.slo.conftest import T0, add_minute


def _probe(minute: dt.datetime, ok: bool) -> ProbeResult:
    return ProbeResult.objects.create(
        component="website",
        target="home",
        ok=ok,
        status=200 if ok else 500,
        latency_ms=12.5,
        at=minute + dt.timedelta(seconds=5),
        minute=minute,
        detail="" if ok else "HTTP 500",
    )


def _restore_case(monkeypatch, tmp_path) -> None:
    clock = pin_now(monkeypatch, T0)
    for i in range(10):  # ten quiet minutes before the backup
        add_minute(T0 + dt.timedelta(minutes=i), le_100=50)
        _probe(T0 + dt.timedelta(minutes=i), ok=True)
    clock.set(T0 + dt.timedelta(minutes=9, seconds=30))  # within the last quiet minute
    with override_settings(BACKUP_DIR=tmp_path / "backups"):
        backup = backup_create(kind="manual")
        burst = T0 + dt.timedelta(minutes=10)
        for i in range(12):  # after the backup: a burst, 10 % errors, the probes failing
            add_minute(burst + dt.timedelta(minutes=i), le_100=90, le_inf=10, errors=10)
            _probe(burst + dt.timedelta(minutes=i), ok=False)
        before = list(RequestMinute.objects.order_by("minute").values_list("minute", "errors"))
        clock.set(burst + dt.timedelta(minutes=12))
        notes: list[str] = []
        backup_restore(backup_id=backup.id, force=True, notes=notes)
        close_old_connections()

    assert any(n.startswith("slo: measurements since") for n in notes), notes
    # exactly the rows there were: the quiet ones from the backup, the burst put back
    assert list(RequestMinute.objects.order_by("minute").values_list("minute", "errors")) == before
    assert ProbeResult.objects.count() == 22
    assert ProbeResult.objects.filter(ok=False).count() == 12
    assert ProbeResult.objects.get(minute=burst).detail == "HTTP 500"
    seen = figures(burst, burst + dt.timedelta(minutes=12))  # what the triggers and go/no-go read
    assert (seen.requests, seen.errors, seen.minutes_up) == (1200, 120, 0)


@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_measurements_since_the_backup(monkeypatch, tmp_path):
    _restore_case(monkeypatch, tmp_path)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_restore_keeps_the_measurements_since_the_backup_on_postgresql(monkeypatch, tmp_path):
    _restore_case(monkeypatch, tmp_path)
