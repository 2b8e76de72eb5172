"""The smoke checks' record: one row per run."""

from __future__ import annotations

from django.db import models


class SmokeRun(models.Model):
    """One run of the launch day's core system checks. ``steps``:
    ``[{"name", "ok", "ms", "detail"}]``."""

    started_at = models.DateTimeField(db_index=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    base_url = models.CharField(max_length=300)
    ok = models.BooleanField(default=False)
    via = models.CharField(max_length=16, default="cli")
    steps = models.JSONField(default=list)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"smoke {self.started_at:%H:%M} {'pass' if self.ok else 'FAIL'}"
