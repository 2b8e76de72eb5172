"""Are all migrations applied? Loading the migration graph costs tens of milliseconds to
seconds on a cold process, so it is answered once at start-up (``warm()``, in the server's
master before it forks its workers) and a pass is remembered for the life of the process
(migrations are applied before a release's processes start; an unapplied one found later is
checked again on every call). A cold readiness call would otherwise time out and answer 503
with nothing wrong.

The usual answer, every migration applied, is read without loading the graph: the names of
the migration files on disk, against the names the database recorded as applied. Only when
one is missing is the graph loaded to name what is unapplied. Importing every migration
module (~200, and django.contrib.postgres with psycopg on SQLite too) would cost each server
process ~11 MB it never uses again."""

from __future__ import annotations

import importlib
import logging
import pkgutil

from django.apps import apps
from django.db import DatabaseError, connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from midas.ops.health.base import FAIL, PASS, HealthCheck, Observation

logger = logging.getLogger(__name__)


class MigrationsCheck(HealthCheck):
    name = "migrations:pending"
    alias = "default"
    timeout = 3.0  # the first pass loads every migration file
    applied = False  # class-level: once true, true for this process

    def observe(self) -> Observation:
        if not MigrationsCheck.applied and not every_file_recorded(self.alias):
            from django.db.migrations.executor import MigrationExecutor

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


def migration_files() -> set[tuple[str, str]]:
    """(app label, migration name) of every migration file on disk, listed as Django's
    loader lists them (a package's modules not starting with ``_`` or ``~``), not imported."""
    names = set()
    for app in apps.get_app_configs():
        module_name, _explicit = MigrationLoader.migrations_module(app.label)
        if module_name is None:
            continue
        try:
            package = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue  # an app without migrations
        if not hasattr(package, "__path__"):
            continue
        for _finder, name, is_package in pkgutil.iter_modules(package.__path__):
            if not is_package and name[0] not in "_~":
                names.add((app.label, name))
    return names


def every_file_recorded(alias: str) -> bool:
    """Whether the database recorded every migration file on disk as applied."""
    recorded = MigrationRecorder(connections[alias]).applied_migrations()
    return migration_files() <= set(recorded)
