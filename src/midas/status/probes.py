"""The status page's view of the SLO engine's probe history.

The contract (midas.slo.selectors): ``probe_days(component, days=90, now=None)`` returns one
``DayUptime(date, up_minutes, down_minutes, degraded_minutes, no_data)`` per UTC day, oldest
first, and ``latest_probe(component)`` the newest probe result (or None). Until that module
exists this adapter answers "no data", so the page still renders.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DayUptime:
    date: dt.date
    up_minutes: int
    down_minutes: int
    degraded_minutes: int
    no_data: bool


def _slo():
    # Imported late: the SLO engine is optional to this app and may not be installed yet.
    try:
        from midas.slo import selectors
    except ImportError:
        return None
    if not hasattr(selectors, "probe_days"):
        return None
    return selectors


BARS_CACHE_SECONDS = 300  # the day rows are read at most this often per component


def probe_days(component: str, *, days: int = 90, now: dt.datetime | None = None) -> list:
    """The SLO engine's day rows, kept in the cache for BARS_CACHE_SECONDS: they come from
    up to 90 x 1440 probe minutes per component, too many to count on every page view.
    Today's bar may so lag by a few minutes; a component's state comes from
    ``latest_probe``, which is never cached."""
    slo = _slo()
    now = now or dt.datetime.now(dt.UTC)
    if slo is None:
        today = now.date()
        return [
            DayUptime(today - dt.timedelta(days=offset), 0, 0, 0, True)
            for offset in range(days - 1, -1, -1)
        ]
    key = f"status:probe_days:{component}:{days}:{now.astimezone(dt.UTC).date():%Y%m%d}"
    try:
        rows = cache.get(key)
    except Exception:  # a cache server down must not take the status page with it
        log.warning("status.probe_days.cache_unavailable", exc_info=True)
        rows = None
    if rows is None:
        rows = list(slo.probe_days(component, days=days, now=now))
        try:
            cache.set(key, rows, BARS_CACHE_SECONDS)
        except Exception:
            log.warning("status.probe_days.cache_unavailable", exc_info=True)
    return rows


def latest_probe(component: str) -> Any | None:
    slo = _slo()
    if slo is None or not hasattr(slo, "latest_probe"):
        return None
    return slo.latest_probe(component)
