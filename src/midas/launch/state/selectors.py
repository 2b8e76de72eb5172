"""Reads of the launch: its one state row (remembered per process for ``CACHE_SECONDS`` so a
request pays no query for it), the freeze window, and the audit trail."""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from midas.core.remembered import Remembered
from midas.launch.models import LaunchEvent, LaunchState

logger = logging.getLogger(__name__)

CACHE_SECONDS = 5


def state_row(*, for_update: bool = False) -> LaunchState:
    """The row itself (created with its defaults on first use)."""
    qs = LaunchState.objects.select_for_update() if for_update else LaunchState.objects
    row = qs.filter(pk=1).first()
    if row is None:
        row, _ = LaunchState.objects.get_or_create(pk=1)
    return row


STATE: Remembered[LaunchState] = Remembered(
    "launch state", read=state_row, fallback=lambda: LaunchState(pk=1), seconds=CACHE_SECONDS
)


def remember(state: LaunchState, *, seconds: float = CACHE_SECONDS) -> None:
    """Keep ``state`` as this process's answer for the next ``seconds``."""
    STATE.remember(state, seconds=seconds)


def forget() -> None:
    """Drop this process's copy (services call it on commit; tests between cases)."""
    STATE.forget()


def launch_state(*, fresh: bool = False) -> LaunchState:
    """The state, at most ``CACHE_SECONDS`` old. Unreadable database: the defaults (public,
    100 %), logged — the health checks report the database itself."""
    return STATE.get(fresh=fresh)


@dataclass(frozen=True)
class FreezeWindow:
    starts_at: dt.datetime
    ends_at: dt.datetime

    def contains(self, when: dt.datetime) -> bool:
        return self.starts_at <= when < self.ends_at


def local_zone(state: LaunchState) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(state.timezone or "America/New_York")


def plan_time(
    value: dt.datetime, fmt: str = "%Y-%m-%d %H:%M", state: LaunchState | None = None
) -> str:
    """``value`` as the launch team reads it in text — announcements, e-mails, the command
    line: in the plan's zone (``local_zone``) with the zone's abbreviation ("2027-02-10 10:00
    EST"). HTML uses the console's ``local_time`` tag, with UTC on hover."""
    local = value.astimezone(local_zone(state or launch_state()))
    return f"{local.strftime(fmt)} {local.tzname() or ''}".rstrip()


def launch_day_at(state: LaunchState, hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    """``hour:minute`` local on launch day (+ ``days``), as an aware datetime."""
    if state.launch_date is None:
        raise ValueError("no launch date set")
    day = state.launch_date + dt.timedelta(days=days)
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=local_zone(state))


def freeze_window(state: LaunchState | None = None) -> FreezeWindow | None:
    """The plan's freeze: the day before launch at 18:00 local until the end of launch day,
    unless set explicitly. None without a launch date or explicit times."""
    state = state or launch_state()
    if state.freeze_starts_at and state.freeze_ends_at:
        return FreezeWindow(state.freeze_starts_at, state.freeze_ends_at)
    if state.launch_date is None:
        return None
    starts = state.freeze_starts_at or launch_day_at(state, 18, days=-1)
    ends = state.freeze_ends_at or launch_day_at(state, 0, days=1)
    return FreezeWindow(starts, ends)


def freeze_in_force(now: dt.datetime | None = None, state: LaunchState | None = None) -> bool:
    window = freeze_window(state)
    return window is not None and window.contains(now or timezone.now())


def recent_events(limit: int = 50, action_prefix: str = "") -> list[LaunchEvent]:
    qs = LaunchEvent.objects.select_related("actor")
    if action_prefix:
        qs = qs.filter(action__startswith=action_prefix)
    return list(qs[:limit])
