"""The scheduler's memory (one row per periodic job) and the workers' heartbeats.

The task queue itself is django-tasks' database backend (``django_tasks_db.DBTaskResult``).
"""

from __future__ import annotations

from django.db import models

from midas.core.models import TimestampedModel


class ScheduleEntry(TimestampedModel):
    """When a periodic job is next due. A scheduler enqueues the job only if its conditional
    UPDATE moves ``next_run_at`` forward, so with several workers it runs once per period."""

    name = models.CharField(max_length=100, unique=True)
    task_path = models.CharField(max_length=255)
    every_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_task_id = models.CharField(max_length=64, blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "schedule entries"

    def __str__(self) -> str:
        return self.name


class WorkerHeartbeat(models.Model):
    """One row per running ``midas worker``, touched on every loop."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)
    jobs_done = models.PositiveIntegerField(default=0)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen"]

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.host} (pid {self.pid})"
