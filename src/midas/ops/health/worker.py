"""Is a background worker alive? The age of the newest worker heartbeat.

warn above ``HEALTH_WORKER_WARN_SECONDS`` (120) or when no worker runs; fail above
``HEALTH_WORKER_FAIL_SECONDS``, 0 (off) by default: a dead worker delays email and
background jobs, but taking every app server out of the load balancer would not bring it
back and would turn a degraded site into a down one."""

from __future__ import annotations

from django.conf import settings

from midas.jobs.selectors import heartbeat_age
from midas.ops.health.base import WARN, HealthCheck, Observation


class WorkerCheck(HealthCheck):
    name = "worker:heartbeatAge"

    def observe(self) -> Observation:
        age = heartbeat_age()
        if age is None:
            return Observation(WARN, "no worker is running", None, "s")
        seconds = round(age.total_seconds(), 1)
        status = self.by_threshold(
            seconds,
            warn=settings.HEALTH_WORKER_WARN_SECONDS,
            fail=settings.HEALTH_WORKER_FAIL_SECONDS,
        )
        output = "" if status == "pass" else f"last heartbeat {seconds:.0f} s ago"
        return Observation(status, output, seconds, "s")
