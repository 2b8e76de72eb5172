"""Periodic jobs: a small registry and the scheduler that enqueues what is due.

    from django_tasks import task
    from midas.jobs.schedule import periodic

    @periodic(every=timedelta(minutes=1), name="expire_holds")
    @task()
    def expire_holds() -> None: ...

Put it in your app's ``tasks.py``: the worker imports every installed app's ``tasks`` module
at start. Each loop it calls ``enqueue_due(now=...)``: for every due ``ScheduleEntry`` a
conditional UPDATE moves ``next_run_at`` on by one period and, only if that UPDATE changed
the row, the task is enqueued in the same transaction. Two schedulers racing for one entry:
one UPDATE matches, the other finds the row already moved and enqueues nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task: Any  # a django_tasks Task
    every: dt.timedelta


REGISTRY: dict[str, PeriodicJob] = {}


def periodic(*, every: dt.timedelta, name: str = ""):
    """Register a django-tasks ``Task`` (apply on top of ``@task()``) to run every ``every``."""
    if every < dt.timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")

    def register(task_obj: Any) -> Any:
        if not hasattr(task_obj, "enqueue"):
            raise TypeError("@periodic goes above @task(): it schedules a django-tasks Task")
        job_name = name or task_obj.name
        known = REGISTRY.get(job_name)
        if known is not None and known.task.module_path != task_obj.module_path:
            raise ValueError(f"two periodic jobs are named {job_name!r}")
        REGISTRY[job_name] = PeriodicJob(name=job_name, task=task_obj, every=every)
        return task_obj

    return register


def discover() -> dict[str, PeriodicJob]:
    """Import every installed app's ``tasks`` module, so their ``@periodic`` jobs register."""
    autodiscover_modules("tasks")
    return REGISTRY


def enqueue_due(
    *, now: dt.datetime | None = None, jobs: dict[str, PeriodicJob] | None = None
) -> list[str]:
    """Enqueue each registered job whose time has come; return the names enqueued."""
    from midas.jobs.models import ScheduleEntry

    now = now or timezone.now()
    jobs = REGISTRY if jobs is None else jobs
    _sync_entries(jobs, now=now)
    enqueued = []
    due = ScheduleEntry.objects.filter(name__in=list(jobs), next_run_at__lte=now)
    for entry in due:
        job = jobs[entry.name]
        following = entry.next_run_at + job.every
        if following <= now:  # the worker was down for a while: no burst of catch-up runs
            following = now + job.every
        with transaction.atomic():
            won = ScheduleEntry.objects.filter(pk=entry.pk, next_run_at=entry.next_run_at).update(
                next_run_at=following, last_run_at=now, updated_at=now, runs=F("runs") + 1
            )
            if not won:
                continue  # another scheduler took this period
            result = job.task.enqueue()
            ScheduleEntry.objects.filter(pk=entry.pk).update(last_task_id=str(result.id))
        enqueued.append(entry.name)
        logger.debug("scheduled %s (next at %s)", entry.name, following.isoformat())
    return enqueued


def _sync_entries(jobs: dict[str, PeriodicJob], *, now: dt.datetime) -> None:
    """Create rows for new jobs (due at once) and follow a changed period or task path."""
    from midas.jobs.models import ScheduleEntry

    existing = {e.name: e for e in ScheduleEntry.objects.filter(name__in=list(jobs))}
    for job in jobs.values():
        seconds = int(job.every.total_seconds())
        entry = existing.get(job.name)
        if entry is None:
            ScheduleEntry.objects.get_or_create(
                name=job.name,
                defaults={
                    "task_path": job.task.module_path,
                    "every_seconds": seconds,
                    "next_run_at": now,
                },
            )
        elif entry.every_seconds != seconds or entry.task_path != job.task.module_path:
            ScheduleEntry.objects.filter(pk=entry.pk).update(
                every_seconds=seconds,
                task_path=job.task.module_path,
                next_run_at=min(entry.next_run_at, (entry.last_run_at or now) + job.every),
            )
