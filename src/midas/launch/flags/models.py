"""Snapshots of the feature flags' states (the "last good state" a rollback restores); the
flags themselves live in ``midas.flags``."""

from __future__ import annotations

from django.db import models


class FlagSnapshot(models.Model):
    """``states``: ``{key: {"state": ..., "percent": ...}}``. ``good`` marks a state the
    launch was healthy in (taken at a GO decision or a phase step)."""

    taken_at = models.DateTimeField()
    states = models.JSONField()
    good = models.BooleanField(default=False)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-taken_at", "-id"]

    def __str__(self) -> str:
        return f"flags at {self.taken_at:%Y-%m-%d %H:%M}{' (good)' if self.good else ''}"
