"""Does the cache (local memory or Redis) take a value and give it back?

With Redis unreachable the fail-soft cache (``midas.core.cache``) still answers, from this
process's memory: that is a warning, not a failure. Every app process shares the one Redis,
so failing readiness would take all of them out of the load balancer at once, while each of
them still serves pages and bookings (docs/explanation/health.md)."""

from __future__ import annotations

import secrets
import time

from django.core.cache import caches

from midas.core.cache import FailSoftRedisCache, serving_locally
from midas.ops.health.base import FAIL, PASS, WARN, HealthCheck, Observation


class CacheCheck(HealthCheck):
    name = "cache:responseTime"
    alias = "default"

    def observe(self) -> Observation:
        store = caches[self.alias]
        key, value = f"health:{secrets.token_hex(8)}", secrets.token_hex(8)
        started = time.perf_counter()
        store.set(key, value, 10)
        got = store.get(key)
        store.delete(key)
        took = round((time.perf_counter() - started) * 1000, 2)
        if got != value:
            return Observation(FAIL, "the cache did not return the value just set", took, "ms")
        if isinstance(store, FailSoftRedisCache) and serving_locally(store):
            breaker = store.breaker
            return Observation(
                WARN,
                f"Redis unreachable for {breaker.open_for():.0f} s ({breaker.reason}): "
                "the cache is served from each process's memory (pages rendered and rate "
                f"limits counted per process); Redis is tried again every "
                f"{breaker.retry_seconds:g} s",
                took,
                "ms",
            )
        return Observation(PASS, observed_value=took, observed_unit="ms")
