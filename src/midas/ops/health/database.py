"""Can this process reach its database? ``SELECT 1`` on a connection of its own."""

from __future__ import annotations

import time

from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

from midas.ops.health.base import PASS, HealthCheck, Observation


class DatabaseCheck(HealthCheck):
    name = "database:responseTime"
    alias = "default"

    def connection(self) -> BaseDatabaseWrapper:
        return connections[self.alias]  # this thread's own; the runner closes it

    def observe(self) -> Observation:
        started = time.perf_counter()
        with self.connection().cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        took = round((time.perf_counter() - started) * 1000, 2)
        return Observation(PASS, observed_value=took, observed_unit="ms")
