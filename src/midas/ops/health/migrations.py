"""Are all migrations applied? Loading the migration graph costs tens of milliseconds, so a
pass is remembered for the life of the process (migrations are applied before a release's
processes start; an unapplied one found later is checked again on every call)."""

from __future__ import annotations

from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from midas.ops.health.base import FAIL, PASS, HealthCheck, Observation


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
