"""Are all migrations applied? Loading the migration graph costs tens of milliseconds to
seconds on a cold process, so it is answered once at start-up (``warm()``, in the server's
master before it forks its workers) and a pass is remembered for the life of the process
(migrations are applied before a release's processes start; an unapplied one found later is
checked again on every call). A cold readiness call would otherwise time out and answer 503
with nothing wrong."""

from __future__ import annotations

import logging

from django.db import DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor

from midas.ops.health.base import FAIL, PASS, HealthCheck, Observation

logger = logging.getLogger(__name__)


class MigrationsCheck(HealthCheck):
    name = "migrations:pending"
    alias = "default"
    timeout = 3.0  # the first pass loads every migration file
    applied = False  # class-level: once true, true for this process

    def observe(self) -> Observation:
        if not MigrationsCheck.applied:
            executor = MigrationExecutor(connections[self.alias])
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                names = ", ".join(f"{m.app_label}.{m.name}" for m, _ in plan[:5])
                return Observation(FAIL, f"unapplied: {names}", len(plan), "migrations")
            MigrationsCheck.applied = True
        return Observation(PASS, observed_value=0, observed_unit="migrations")

    @classmethod
    def warm(cls) -> None:
        """Answer once now (start-up), so no readiness call pays for the migration graph.
        Never stops a start: an unreachable database is the database check's to report."""
        try:
            cls().observe()
        except DatabaseError as exc:
            logger.warning("migrations check not warmed (%s)", type(exc).__name__)
