"""Periodic jobs: the registry and a scheduler that enqueues each period once."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from midas.jobs import schedule
from midas.jobs.models import ScheduleEntry
from midas.jobs.schedule import PeriodicJob, enqueue_due, periodic

FIVE_MINUTES = dt.timedelta(minutes=5)


@task()
def ping() -> str:
    return "pong"


@task()
def pong() -> str:
    return "ping"


@pytest.fixture
def jobs() -> dict[str, PeriodicJob]:
    return {"ping": PeriodicJob(name="ping", task=ping, every=FIVE_MINUTES)}


@pytest.fixture
def registry(monkeypatch) -> dict[str, PeriodicJob]:
    empty: dict[str, PeriodicJob] = {}
    monkeypatch.setattr(schedule, "REGISTRY", empty)
    return empty


def enqueued() -> int:
    return DBTaskResult.objects.filter(task_path=ping.module_path).count()


def test_periodic_registers_a_task_and_returns_it(registry):
    decorated = periodic(every=FIVE_MINUTES, name="ping_job")(ping)
    assert decorated is ping
    assert registry["ping_job"] == PeriodicJob(name="ping_job", task=ping, every=FIVE_MINUTES)
    periodic(every=FIVE_MINUTES)(pong)
    assert "pong" in registry  # named after the function by default


def test_periodic_refuses_mistakes(registry):
    with pytest.raises(TypeError, match="above @task"):
        periodic(every=FIVE_MINUTES)(lambda: None)
    with pytest.raises(ValueError, match="once a second"):
        periodic(every=dt.timedelta(milliseconds=10))
    periodic(every=FIVE_MINUTES, name="same")(ping)
    with pytest.raises(ValueError, match="two periodic jobs"):
        periodic(every=FIVE_MINUTES, name="same")(pong)


def test_discover_registers_the_outbox_job():
    assert "send_outbox" in schedule.discover()


@pytest.mark.django_db
def test_a_new_job_runs_at_once_then_once_per_period(jobs, now):
    assert enqueue_due(now=now, jobs=jobs) == ["ping"]
    assert enqueue_due(now=now, jobs=jobs) == []
    assert enqueue_due(now=now + FIVE_MINUTES - dt.timedelta(seconds=1), jobs=jobs) == []
    assert enqueue_due(now=now + FIVE_MINUTES, jobs=jobs) == ["ping"]
    assert enqueued() == 2
    entry = ScheduleEntry.objects.get(name="ping")
    assert entry.runs == 2 and entry.next_run_at == now + 2 * FIVE_MINUTES
    assert entry.last_task_id == str(DBTaskResult.objects.order_by("-enqueued_at").first().id)


@pytest.mark.django_db
def test_a_scheduler_back_after_a_long_stop_runs_once_not_once_per_missed_period(jobs, now):
    enqueue_due(now=now, jobs=jobs)
    later = now + dt.timedelta(days=1)
    assert enqueue_due(now=later, jobs=jobs) == ["ping"]
    assert enqueue_due(now=later + dt.timedelta(seconds=1), jobs=jobs) == []
    assert ScheduleEntry.objects.get(name="ping").next_run_at == later + FIVE_MINUTES


@pytest.mark.django_db
def test_a_shorter_period_in_code_takes_effect(jobs, now):
    enqueue_due(now=now, jobs=jobs)
    minute = {"ping": PeriodicJob(name="ping", task=ping, every=dt.timedelta(minutes=1))}
    assert enqueue_due(now=now + dt.timedelta(minutes=1), jobs=minute) == ["ping"]
    assert ScheduleEntry.objects.get(name="ping").every_seconds == 60


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_run", [True, False], ids=["new-entry", "existing-entry"])
def test_several_schedulers_at_once_enqueue_each_period_once(jobs, now, first_run):
    if not first_run:
        enqueue_due(now=now - FIVE_MINUTES, jobs=jobs)
    before = enqueued()
    count = 6
    barrier = threading.Barrier(count)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(enqueue_due(now=now, jobs=jobs))
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors, errors
    assert sorted(results) == [[]] * (count - 1) + [["ping"]]
    assert enqueued() - before == 1
