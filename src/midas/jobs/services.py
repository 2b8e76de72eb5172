"""Writes of the jobs app: the worker heartbeat."""

from __future__ import annotations

import datetime as dt
import os
import socket

from django.utils import timezone

from midas.jobs.models import WorkerHeartbeat


def heartbeat_beat(
    *, worker_id: str, jobs_done: int = 0, now: dt.datetime | None = None
) -> WorkerHeartbeat:
    """Record that ``worker_id`` is alive (called on every loop of the worker)."""
    now = now or timezone.now()
    updated = WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=now, jobs_done=jobs_done, stopped_at=None
    )
    if updated:
        return WorkerHeartbeat(worker_id=worker_id, last_seen=now, jobs_done=jobs_done)
    heartbeat, _ = WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"last_seen": now, "jobs_done": jobs_done, "stopped_at": None},
        create_defaults={
            "host": socket.gethostname()[:255],
            "pid": os.getpid(),
            "started_at": now,
            "last_seen": now,
            "jobs_done": jobs_done,
        },
    )
    return heartbeat


def heartbeat_stop(*, worker_id: str, jobs_done: int, now: dt.datetime | None = None) -> None:
    """Mark the worker stopped (a clean exit); a crash leaves ``last_seen`` to age instead."""
    now = now or timezone.now()
    WorkerHeartbeat.objects.filter(worker_id=worker_id).update(
        last_seen=now, jobs_done=jobs_done, stopped_at=now
    )


def heartbeat_prune(*, older_than: dt.timedelta, now: dt.datetime | None = None) -> int:
    """Forget workers not seen for ``older_than``."""
    now = now or timezone.now()
    deleted, _ = WorkerHeartbeat.objects.filter(last_seen__lt=now - older_than).delete()
    return deleted
