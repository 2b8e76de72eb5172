"""Is there room left where local state lives (the var dir: SQLite, backups, static files)?

warn below ``HEALTH_DISK_WARN_MB`` (1024) free, fail below ``HEALTH_DISK_FAIL_MB`` (100)."""

from __future__ import annotations

import shutil

from django.conf import settings

from midas.ops.health.base import HealthCheck, Observation


class DiskCheck(HealthCheck):
    name = "disk:free"

    def observe(self) -> Observation:
        free_mb = round(shutil.disk_usage(settings.VAR_DIR).free / 2**20)
        status = self.by_threshold(
            free_mb,
            warn=settings.HEALTH_DISK_WARN_MB,
            fail=settings.HEALTH_DISK_FAIL_MB,
            higher_is_worse=False,
        )
        output = "" if status == "pass" else f"{free_mb} MiB free in {settings.VAR_DIR}"
        return Observation(status, output, free_mb, "MiB")
