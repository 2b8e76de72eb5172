"""The readiness checks, in the order they are reported. Add a check: write a module with
one ``HealthCheck`` subclass beside the others and append an instance here (and a line in
docs/explanation/health.md)."""

from __future__ import annotations

from midas.ops.health.backups import BackupCheck
from midas.ops.health.base import HealthCheck
from midas.ops.health.cache import CacheCheck
from midas.ops.health.database import DatabaseCheck
from midas.ops.health.disk import DiskCheck
from midas.ops.health.migrations import MigrationsCheck
from midas.ops.health.outbox import OutboxCheck
from midas.ops.health.worker import WorkerCheck

READINESS: list[HealthCheck] = [
    DatabaseCheck(),
    CacheCheck(),
    MigrationsCheck(),
    WorkerCheck(),
    OutboxCheck(),
    DiskCheck(),
    BackupCheck(),
]


def register(check: HealthCheck) -> HealthCheck:
    READINESS.append(check)
    return check
