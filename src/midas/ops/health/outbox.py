"""Is outgoing email keeping up? The number of outbox messages waiting (pending or being
sent) and how long the oldest has waited.

warn at ``HEALTH_OUTBOX_WARN`` (100) waiting or an oldest older than
``HEALTH_OUTBOX_WARN_AGE_SECONDS`` (600); fail at ``HEALTH_OUTBOX_FAIL`` (0, off): as for the
worker, a slow mail server is no reason to stop serving pages."""

from __future__ import annotations

from django.conf import settings

from midas.notifications.models import OutboxStatus
from midas.notifications.selectors import oldest_unsent_age, outbox_counts
from midas.ops.health.base import SEVERITY, HealthCheck, Observation


class OutboxCheck(HealthCheck):
    name = "outbox:backlog"

    def observe(self) -> Observation:
        counts = outbox_counts()
        waiting = counts[OutboxStatus.PENDING] + counts[OutboxStatus.SENDING]
        by_count = self.by_threshold(
            waiting,
            warn=settings.HEALTH_OUTBOX_WARN,
            fail=settings.HEALTH_OUTBOX_FAIL,
        )
        age = oldest_unsent_age()
        age_seconds = age.total_seconds() if age else 0.0
        by_age = self.by_threshold(
            age_seconds, warn=settings.HEALTH_OUTBOX_WARN_AGE_SECONDS, fail=0
        )
        status = max(by_count, by_age, key=SEVERITY.__getitem__)
        output = "" if status == "pass" else f"{waiting} waiting, oldest {age_seconds:.0f} s"
        return Observation(status, output, waiting, "messages")
