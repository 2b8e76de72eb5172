"""Reads of the ops app: maintenance mode's state (one database row, remembered in each
process for ``CACHE_SECONDS``, so every process sees a switch within that time and a request
costs no query) and the paths that stay open. See docs/explanation/maintenance.md."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from midas.core.remembered import Remembered
from midas.ops.models import MaintenanceMode

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5
DEFAULT_RETRY_AFTER = 600

# Paths that keep working for everyone while maintenance is on (staff pass everywhere).
OPEN_EXACT = frozenset(
    {"/healthz", "/readyz", "/status", "/metrics", "/api/v1/payments/stripe/webhook"}
)
OPEN_PREFIXES: tuple[str, ...] = ("/status/", "/admin/", "/static/")


def keep_open(prefix: str) -> None:
    """Let the paths under ``prefix`` through while maintenance is on (another app's pages
    that must keep working: the launch's incident acknowledgement links)."""
    global OPEN_PREFIXES
    if prefix not in OPEN_PREFIXES:
        OPEN_PREFIXES = (*OPEN_PREFIXES, prefix)


@dataclasses.dataclass(frozen=True)
class MaintenanceState:
    enabled: bool = False
    message: str = ""
    retry_after: int = DEFAULT_RETRY_AFTER
    started_at: dt.datetime | None = None


def path_is_open(path: str) -> bool:
    return path in OPEN_EXACT or path.startswith(OPEN_PREFIXES)


def read_state() -> MaintenanceState:
    row = MaintenanceMode.objects.filter(pk=1).first()
    if row is None:
        return MaintenanceState()
    return MaintenanceState(row.enabled, row.message, row.retry_after, row.started_at)


MAINTENANCE: Remembered[MaintenanceState] = Remembered(
    "maintenance state", read=read_state, fallback=MaintenanceState, seconds=CACHE_SECONDS
)


def remember(state: MaintenanceState) -> None:
    """Keep ``state`` as this process's answer for the next ``CACHE_SECONDS``."""
    MAINTENANCE.remember(state)


def maintenance_state(*, fresh: bool = False) -> MaintenanceState:
    """The current state, at most ``CACHE_SECONDS`` old (``fresh``: from the database).
    When the database cannot be read the site is taken to be open, and it says so in the
    log: the health checks report the database itself."""
    return MAINTENANCE.get(fresh=fresh)
