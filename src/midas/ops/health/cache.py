"""Does the cache (local memory or Redis) take a value and give it back?"""

from __future__ import annotations

import secrets
import time

from django.core.cache import caches

from midas.ops.health.base import FAIL, PASS, HealthCheck, Observation


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
        return Observation(PASS, observed_value=took, observed_unit="ms")
