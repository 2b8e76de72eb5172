"""Can the last backups be trusted? Warns (never fails: serving pages does not need a fresh
backup) when the newest backup's latest verification failed, or when the newest passing
verification is older than ``HEALTH_BACKUP_WARN_HOURS`` (26: the daily job plus slack).
No backup yet is no warning here: ``midas_backup_last_verified_age_seconds`` is absent from
``/metrics`` then, which is what to alert on."""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from midas.backups.selectors import verified_state
from midas.ops.health.base import PASS, WARN, HealthCheck, Observation


class BackupCheck(HealthCheck):
    name = "backups:lastVerifiedAge"

    def observe(self) -> Observation:
        state = verified_state(timezone.now())
        hours = None if state.age_seconds is None else round(state.age_seconds / 3600, 1)
        if state.failed:
            return Observation(WARN, "the newest backup failed verification", hours, "h")
        if hours is not None and hours > settings.HEALTH_BACKUP_WARN_HOURS:
            return Observation(WARN, f"newest verified backup is {hours} h old", hours, "h")
        return Observation(PASS, observed_value=hours, observed_unit="h")
