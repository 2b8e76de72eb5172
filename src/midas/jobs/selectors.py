"""Reads of the jobs app, for health checks and the back office."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet
from django.utils import timezone

from midas.jobs.models import ScheduleEntry, WorkerHeartbeat


def live_workers() -> QuerySet[WorkerHeartbeat]:
    """Workers that have not reported a clean stop, most recently seen first."""
    return WorkerHeartbeat.objects.filter(stopped_at__isnull=True).order_by("-last_seen")


def heartbeat_age(*, now: dt.datetime | None = None) -> dt.timedelta | None:
    """Time since the most recent heartbeat of any running worker; None when no worker runs.
    A health check fails when this is None or longer than a few worker intervals."""
    last = live_workers().aggregate(last=Max("last_seen"))["last"]
    if last is None:
        return None
    return max((now or timezone.now()) - last, dt.timedelta(0))


def schedule_overdue(*, now: dt.datetime | None = None, grace: dt.timedelta) -> list[str]:
    """Periodic jobs whose next run is more than ``grace`` late (the scheduler is not running)."""
    now = now or timezone.now()
    return list(
        ScheduleEntry.objects.filter(next_run_at__lt=now - grace).values_list("name", flat=True)
    )
