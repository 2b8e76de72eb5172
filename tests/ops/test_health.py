"""/healthz and /readyz: the draft's shape, time-boxed checks, and readiness that fails
fast when the database is gone and recovers by itself when it returns."""

from __future__ import annotations

import copy
import datetime as dt
import os
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from django.db import connections
from django.db.utils import load_backend
from django.utils import timezone

from midas.ops.health import registry
from midas.ops.health.base import FAIL, PASS, WARN, HealthCheck, Observation
from midas.ops.health.database import DatabaseCheck
from midas.ops.health.runner import run_checks
from tests.conftest import ON_POSTGRES

STATUSES = {PASS, WARN, FAIL}


def check_shape(body: dict) -> None:
    assert body["status"] in STATUSES
    for name, entries in body.get("checks", {}).items():
        assert ":" in name
        for entry in entries:
            assert entry["status"] in STATUSES
            dt.datetime.fromisoformat(entry["time"])


def test_healthz_answers_without_io(client):
    response = client.get("/healthz")  # no django_db mark: any query would raise
    assert response.status_code == 200
    assert response["Content-Type"] == "application/health+json"
    assert response.json()["status"] == PASS
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_readyz_reports_every_check(client):
    from midas.jobs.models import WorkerHeartbeat

    now = timezone.now()
    WorkerHeartbeat.objects.create(worker_id="w1", host="h", pid=1, started_at=now, last_seen=now)
    response = client.get("/readyz")
    body = response.json()
    check_shape(body)
    assert response["Content-Type"] == "application/health+json"
    assert set(body["checks"]) == {check.name for check in registry.READINESS}
    assert body["status"] == PASS, body
    assert response.status_code == 200
    assert body["checks"]["database:responseTime"][0]["observedUnit"] == "ms"
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db(transaction=True)
def test_no_worker_is_a_warning_not_a_failure(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    worker = response.json()["checks"]["worker:heartbeatAge"][0]
    assert worker["status"] == WARN
    assert response.json()["status"] == WARN


@pytest.mark.django_db(transaction=True)
def test_stale_worker_and_outbox_backlog(client, settings):
    from midas.jobs.models import WorkerHeartbeat

    old = timezone.now() - dt.timedelta(minutes=20)
    WorkerHeartbeat.objects.create(worker_id="w", host="h", pid=1, started_at=old, last_seen=old)
    settings.HEALTH_WORKER_FAIL_SECONDS = 600
    body = client.get("/readyz").json()
    assert body["checks"]["worker:heartbeatAge"][0]["status"] == FAIL
    assert body["status"] == FAIL


def test_threshold_rule():
    assert HealthCheck.by_threshold(5, warn=10, fail=20) == PASS
    assert HealthCheck.by_threshold(15, warn=10, fail=20) == WARN
    assert HealthCheck.by_threshold(25, warn=10, fail=20) == FAIL
    assert HealthCheck.by_threshold(25, warn=10, fail=0) == WARN  # 0: fail off
    assert HealthCheck.by_threshold(50, warn=1024, fail=100, higher_is_worse=False) == FAIL


class Hanging(HealthCheck):
    name = "hanging:forever"
    timeout = 0.2

    def __init__(self) -> None:
        self.release = threading.Event()

    def observe(self) -> Observation:
        self.release.wait(30)
        return Observation(PASS)


class Quick(HealthCheck):
    name = "quick:answer"

    def observe(self) -> Observation:
        return Observation(PASS, observed_value=1)


class Broken(HealthCheck):
    name = "broken:raises"

    def observe(self) -> Observation:
        raise RuntimeError("boom")


def test_a_hanging_check_is_cut_at_its_timeout():
    hanging = Hanging()
    try:
        started = time.monotonic()
        body = run_checks([hanging, Quick(), Broken()])
        took = time.monotonic() - started
    finally:
        hanging.release.set()
    assert took < 0.6
    assert body["status"] == FAIL
    assert body["checks"]["hanging:forever"][0]["status"] == FAIL
    assert "timed out" in body["checks"]["hanging:forever"][0]["output"]
    assert body["checks"]["quick:answer"][0]["status"] == PASS
    assert body["checks"]["broken:raises"][0]["output"] == "RuntimeError: boom"


def test_a_hanging_check_makes_readyz_fail_fast(client, monkeypatch):
    hanging = Hanging()
    monkeypatch.setattr(registry, "READINESS", [hanging, Quick()])
    try:
        started = time.monotonic()
        response = client.get("/readyz")
        took = time.monotonic() - started
    finally:
        hanging.release.set()
    assert response.status_code == 503
    assert took < 1.0


class ProbeCheck(DatabaseCheck):
    """The database check on a connection built from ``settings_dict`` (not a registered
    alias), so a test can take that database away and give it back."""

    def __init__(self, settings_dict: dict) -> None:
        self.settings_dict = settings_dict

    def connection(self):
        # named "default" so that the test allows it and django.contrib.postgres's
        # connection_created hook finds an alias; built apart from the registered one
        return load_backend(self.settings_dict["ENGINE"]).DatabaseWrapper(
            self.settings_dict, "default"
        )

    def observe(self) -> Observation:
        connection = self.connection()
        self.connection = lambda: connection
        try:
            return super().observe()
        finally:
            del self.connection
            connection.close()


@pytest.fixture
def probe_database(tmp_path):
    """A database the test can take away and give back: a SQLite file swapped for a
    directory (unopenable, even for root), or the PostgreSQL test database reached through a
    port with nothing listening. The machine's PostgreSQL itself is never stopped."""
    settings_dict = copy.deepcopy(connections.settings["default"])
    if ON_POSTGRES:
        real_port = settings_dict.get("PORT") or 5432
        settings_dict["NAME"] = connections["default"].settings_dict["NAME"]
    else:
        path = Path(tmp_path) / "probe.sqlite3"
        settings_dict["NAME"] = str(path)
        sqlite3.connect(path).close()

    def take_away() -> None:
        if ON_POSTGRES:
            settings_dict["PORT"] = 1  # nothing listens there: refused at once
        else:
            os.rename(path, f"{path}.away")
            path.mkdir()

    def give_back() -> None:
        if ON_POSTGRES:
            settings_dict["PORT"] = real_port
        else:
            path.rmdir()
            os.rename(f"{path}.away", path)

    return ProbeCheck(settings_dict), take_away, give_back


@pytest.mark.django_db(transaction=True)
def test_readiness_fails_within_a_second_without_the_database_and_recovers(
    client, monkeypatch, probe_database
):
    check, take_away, give_back = probe_database
    monkeypatch.setattr(registry, "READINESS", [check, *registry.READINESS[1:]])

    assert client.get("/readyz").json()["checks"]["database:responseTime"][0]["status"] == PASS

    take_away()
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    database = response.json()["checks"]["database:responseTime"][0]
    assert database["status"] == FAIL
    assert database["output"]

    give_back()
    response = client.get("/readyz")
    assert response.json()["checks"]["database:responseTime"][0]["status"] == PASS
    assert response.status_code == 200


@pytest.mark.django_db(transaction=True)
def test_readyz_is_fast_when_healthy(client):
    client.get("/readyz")  # the first pass loads the migration graph once
    timings = []
    for _ in range(5):
        started = time.monotonic()
        client.get("/readyz")
        timings.append(time.monotonic() - started)
    assert min(timings) < 0.15, timings  # ~10 ms alone; slack for a loaded CI machine


@pytest.mark.django_db
def test_the_migrations_check_is_answered_at_start_up_not_by_the_first_readiness_call(
    monkeypatch, django_assert_num_queries
):
    from midas.ops.health.migrations import MigrationsCheck

    monkeypatch.setattr(MigrationsCheck, "applied", False)
    MigrationsCheck.warm()
    assert MigrationsCheck.applied
    with django_assert_num_queries(0):  # no migration graph, no query: answered already
        assert MigrationsCheck().observe().status == PASS


@pytest.mark.django_db
def test_all_migrations_applied_is_read_without_loading_the_graph(monkeypatch):
    from django.db.migrations.loader import MigrationLoader

    from midas.ops.health.migrations import MigrationsCheck, migration_files

    def no_graph(self, *args, **kwargs):
        raise AssertionError("the migration graph was loaded")

    monkeypatch.setattr(MigrationsCheck, "applied", False)
    monkeypatch.setattr(MigrationLoader, "build_graph", no_graph)
    assert MigrationsCheck().observe().status == PASS
    assert MigrationsCheck.applied
    # the files are listed as Django's loader finds them
    assert ("bookings", "0001_initial") in migration_files()
    assert not any(name.startswith("_") for _app, name in migration_files())


@pytest.mark.django_db
def test_a_migration_the_database_has_not_recorded_fails_by_name(monkeypatch):
    from django.db.migrations.recorder import MigrationRecorder

    from midas.ops.health.migrations import MigrationsCheck

    monkeypatch.setattr(MigrationsCheck, "applied", False)
    latest = MigrationRecorder.Migration.objects.filter(app="notifications").latest("id")
    latest.delete()  # as if the release's migrate had not run it (rolled back after)
    observed = MigrationsCheck().observe()
    assert observed.status == FAIL
    assert f"notifications.{latest.name}" in observed.output
    assert not MigrationsCheck.applied


def test_the_server_warms_it_in_the_master_before_forking(monkeypatch):
    from django.db import connections as conns

    from midas import server
    from midas.ops.health.migrations import MigrationsCheck

    calls = []
    here = threading.get_ident()
    monkeypatch.setattr(MigrationsCheck, "warm", classmethod(lambda cls: calls.append("warm")))
    # only this thread's: a health check an earlier test left running (its thread is never
    # killed, runner.py) closes its own connections whenever it ends
    monkeypatch.setattr(
        conns, "close_all", lambda: calls.append("close") if threading.get_ident() == here else None
    )
    monkeypatch.setattr(server, "warm_up", lambda: calls.append("warm_up"))
    master = server.MidasServer.__new__(server.MidasServer)
    master.options = {"warm": True}
    master.load()
    assert calls == ["warm", "warm_up", "close"]  # all before the connections close for fork


def test_warming_never_stops_a_start(monkeypatch, caplog):
    from django.db import DatabaseError

    from midas.ops.health.migrations import MigrationsCheck

    def down(self):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(MigrationsCheck, "applied", False)
    monkeypatch.setattr(MigrationsCheck, "observe", down)
    MigrationsCheck.warm()
    assert not MigrationsCheck.applied
    assert "migrations check not warmed" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_readiness_warns_about_backups_that_cannot_be_trusted(client, settings, tmp_path):
    from midas.backups.services import backup_create, backup_verify

    settings.BACKUP_DIR = tmp_path / "backups"

    def check() -> dict:
        return client.get("/readyz").json()["checks"]["backups:lastVerifiedAge"][0]

    assert check()["status"] == PASS  # no backup yet: /metrics has no age sample to alert on
    good = backup_create()
    backup_verify(backup_id=good.id)
    assert check()["status"] == PASS
    settings.HEALTH_BACKUP_WARN_HOURS = -1  # any age is too old now
    assert check()["status"] == WARN
    settings.HEALTH_BACKUP_WARN_HOURS = 26
    bad = backup_create()
    (settings.BACKUP_DIR / bad.dump_file).write_bytes(b"not a dump")
    backup_verify(backup_id=bad.id)
    answer = client.get("/readyz")
    assert answer.json()["checks"]["backups:lastVerifiedAge"][0]["status"] == WARN
    assert answer.status_code == 200  # a warning, never a reason to stop serving
