"""Reads of the ops app: maintenance mode's state and the paths that stay open
(docs/explanation/maintenance.md).

Maintenance is on while the manual switch (``ops.MaintenanceMode``, ``midas maintenance
on``) is on, or while a scheduled ``MaintenanceWindow`` is in progress. The state is read
from the database and remembered in each process for ``CACHE_SECONDS``, so every process
sees a switch within that time and a request costs no query; a window's start and end are
kept exact by reading again once the remembered answer's ``changes_at`` has passed."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from django.utils import timezone

from midas.core.remembered import Remembered
from midas.ops.models import MaintenanceMode, MaintenanceWindow

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5
DEFAULT_RETRY_AFTER = 600
MAX_RETRY_AFTER = 3600  # a window's Retry-After counts down to its end, at most an hour

# Paths that keep working for everyone while maintenance is on (staff pass everywhere).
# The sign-in page is open so that staff can sign in; a customer who signs in still gets
# the maintenance page everywhere else.
OPEN_EXACT = frozenset(
    {
        "/healthz",
        "/readyz",
        "/status",
        "/metrics",
        "/api/v1/payments/stripe/webhook",
        "/account/login/",
    }
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
    until: dt.datetime | None = None  # the end of the window in progress (manual: unknown)
    window_id: int | None = None  # the window in progress (None: the manual switch, or off)
    changes_at: dt.datetime | None = None  # when this answer stops being true: read again

    def retry_seconds(self, now: dt.datetime) -> int:
        """Retry-After: the seconds until the window in progress ends (at least 1, at most
        ``MAX_RETRY_AFTER``), else the switch's own figure."""
        if self.until is None:
            return self.retry_after
        left = int((self.until - now).total_seconds())
        return max(1, min(left, MAX_RETRY_AFTER))


def path_is_open(path: str) -> bool:
    return path in OPEN_EXACT or path.startswith(OPEN_PREFIXES)


def windows(*, now: dt.datetime) -> list[MaintenanceWindow]:
    """Windows not cancelled that have not ended: the one in progress, then the upcoming."""
    return list(MaintenanceWindow.objects.active().filter(ends_at__gt=now))


def read_state(*, now: dt.datetime | None = None) -> MaintenanceState:
    """The state at ``now`` (default: the current time) from the database: the switch wins;
    else the window in progress; else off until the next window starts."""
    now = now or timezone.now()
    row = MaintenanceMode.objects.filter(pk=1).first()
    window = MaintenanceWindow.objects.active().filter(ends_at__gt=now).first()
    if row is not None and row.enabled:
        return MaintenanceState(True, row.message, row.retry_after, row.started_at)
    if window is None:
        return MaintenanceState()
    if window.starts_at > now:
        return MaintenanceState(changes_at=window.starts_at)
    return MaintenanceState(
        enabled=True,
        message=window.message,
        retry_after=max(1, min(int((window.ends_at - now).total_seconds()), MAX_RETRY_AFTER)),
        started_at=window.starts_at,
        until=window.ends_at,
        window_id=window.pk,
        changes_at=window.ends_at,
    )


MAINTENANCE: Remembered[MaintenanceState] = Remembered(
    "maintenance state", read=read_state, fallback=MaintenanceState, seconds=CACHE_SECONDS
)


def remember(state: MaintenanceState) -> None:
    """Keep ``state`` as this process's answer for the next ``CACHE_SECONDS``."""
    MAINTENANCE.remember(state)


def maintenance_state(*, fresh: bool = False) -> MaintenanceState:
    """The current state, at most ``CACHE_SECONDS`` old (``fresh``: from the database), and
    never past a window's start or end. When the database cannot be read the site is taken
    to be open, and it says so in the log: the health checks report the database itself."""
    state = MAINTENANCE.get(fresh=fresh)
    if not fresh and state.changes_at is not None and timezone.now() >= state.changes_at:
        state = MAINTENANCE.get(fresh=True)
    return state
