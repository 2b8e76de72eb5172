"""Run checks side by side, each in its own thread, each cut at its own timeout.

A fresh pool per run: a check that hangs keeps its thread (Python cannot kill one) but never
holds up the answer or the next run; its result is dropped when it finally returns. Each
thread closes the database connections it opened, so none is left behind."""

from __future__ import annotations

import concurrent.futures
import logging
import time
from collections.abc import Iterable
from typing import Any

from django.db import connections

from midas.ops.health.base import FAIL, PASS, SEVERITY, HealthCheck, Observation

logger = logging.getLogger(__name__)


def _observe(check: HealthCheck) -> Observation:
    try:
        return check.observe()
    except Exception as exc:
        logger.warning("health check %s failed: %s", check.name, type(exc).__name__)
        return Observation(FAIL, f"{type(exc).__name__}: {exc}"[:300])
    finally:
        connections.close_all()  # this thread's connections only


def run_checks(checks: Iterable[HealthCheck]) -> dict[str, Any]:
    """The readiness body: overall ``status`` (the worst of the checks) and ``checks``."""
    checks = list(checks)
    pool = concurrent.futures.ThreadPoolExecutor(
        max_workers=max(len(checks), 1), thread_name_prefix="health"
    )
    started = time.monotonic()
    try:
        futures = [(check, pool.submit(_observe, check)) for check in checks]
        results: dict[str, list[dict[str, Any]]] = {}
        worst = PASS
        for check, future in futures:
            remaining = max(started + check.timeout - time.monotonic(), 0.0)
            try:
                observation = future.result(timeout=remaining)
            except concurrent.futures.TimeoutError:
                observation = Observation(FAIL, f"timed out after {check.timeout} s")
            results[check.name] = [observation.as_json()]
            worst = max(worst, observation.status, key=SEVERITY.__getitem__)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return {"status": worst, "checks": results}
