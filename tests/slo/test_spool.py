"""Probe results survive a database outage: spooled to disk, written back with their true
times, and taken by the worker's outage mode while the database is down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError, connection

from midas.jobs.outage import OUTAGE_JOBS, OutageRunner
from midas.jobs.worker import MidasWorker
from midas.slo import spool
from midas.slo.models import ProbeResult
from midas.slo.probes import run_probes
from midas.slo.recorder import minute_of
from midas.slo.selectors import condition_held, figures
from tests.factories import make_asset

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2027, 1, 4, 12, 0, 30, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def own_spool(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "http://testserver"
    settings.PAGE_CACHE_SECONDS = 0


def result(at: dt.datetime, ok: bool = False) -> ProbeResult:
    return ProbeResult(
        component="website",
        target="home",
        ok=ok,
        status=503,
        latency_ms=3.0,
        at=at,
        minute=minute_of(at),
        detail="",
    )


def test_append_recent_and_drain_keep_true_times():
    spool.append([result(T0), result(T0 + dt.timedelta(minutes=1), ok=True)])
    assert spool.pending() == 2
    assert [r.at for r in spool.recent(since=T0 + dt.timedelta(seconds=1))] == [
        T0 + dt.timedelta(minutes=1)
    ]
    assert spool.drain() == 2
    assert not spool.spool_path().exists()
    rows = list(ProbeResult.objects.order_by("at"))
    assert [(r.at, r.ok, r.minute) for r in rows] == [
        (T0, False, minute_of(T0)),
        (T0 + dt.timedelta(minutes=1), True, minute_of(T0 + dt.timedelta(minutes=1))),
    ]


def test_a_line_cut_short_by_a_crash_is_skipped_not_fatal():
    spool.append([result(T0)])
    with open(spool.spool_path(), "a") as handle:
        handle.write('{"component": "web')  # the process died mid-write
    assert spool.drain() == 1


def test_a_failed_drain_keeps_the_spool(database_down):
    spool.append([result(T0)])
    with pytest.raises(OperationalError):
        spool.drain()
    assert spool.pending() == 1


@pytest.mark.django_db(transaction=True)  # requests fail inside their own transactions
def test_probes_while_the_database_is_down_are_spooled_then_written(monkeypatch):
    make_asset()
    run_probes(now=T0 - dt.timedelta(minutes=1))  # the asset is remembered
    ProbeResult.objects.all().delete()
    from tests.outages import refused

    error = refused()

    def fail(*args, **kwargs):
        raise error

    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", fail)
        for minute in range(6):
            run_probes(now=T0 + dt.timedelta(minutes=minute))
    assert ProbeResult.objects.count() == 0
    kept = spool.recent(since=T0)
    assert {r.target for r in kept} == {"home", "asset", "quote", "readyz"}
    assert not any(r.ok for r in kept if r.target != "readyz")
    assert {r.status for r in kept if r.target in ("home", "asset")} == {503}

    after = T0 + dt.timedelta(minutes=6)
    run_probes(now=after)  # the database is back: the outage is written first
    assert not spool.spool_path().exists()
    assert ProbeResult.objects.filter(at__lt=after, ok=False).count() >= 6 * 3
    assert condition_held("down", ">=", 1, 5, now=after)
    outage = figures(T0, minute_of(after))
    assert outage.minutes_with_data == 6 and outage.minutes_up == 0


@pytest.mark.django_db(transaction=True)  # the worker closes connections between loops
def test_the_worker_probes_while_the_database_is_down(monkeypatch):
    make_asset()
    from midas.jobs.schedule import discover

    discover()
    assert "slo_probe" in OUTAGE_JOBS
    from tests.outages import refused

    error = refused()

    def fail(*args, **kwargs):
        raise error

    from midas.slo.probes import _probe_asset

    assert _probe_asset() is not None  # remembered while the database answers
    worker = MidasWorker(worker_id="outage", interval=0)
    with monkeypatch.context() as patched:
        patched.setattr(connection, "cursor", fail)
        worker.run(max_loops=2)
    assert worker.outage.since is not None  # still in the outage when it stopped
    kept = spool.recent(since=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))  # on disk
    assert {r.target for r in kept} == {"home", "asset", "quote", "readyz"}
    assert not any(r.ok for r in kept if r.target != "readyz")
    worker.run(max_loops=1)  # the database answers: the outage is over
    assert worker.outage.since is None


def test_outage_jobs_run_once_per_period():
    calls: list[dt.datetime] = []
    ticks = [0.0]
    from midas.jobs.outage import OutageJob

    runner = OutageRunner(
        {"p": OutageJob("p", dt.timedelta(minutes=1), calls.append)}, clock=lambda: ticks[0]
    )
    assert runner.tick(T0) == ["p"]
    ticks[0] = 30
    assert runner.tick(T0) == []
    ticks[0] = 61
    assert runner.tick(T0) == ["p"]
    assert runner.over() == T0 and runner.since is None
