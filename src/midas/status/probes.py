"""The status page's view of the SLO engine's probe history.

The contract (midas.slo.selectors): ``probe_days(component, days=90, now=None)`` returns one
``DayUptime(date, up_minutes, down_minutes, degraded_minutes, no_data)`` per UTC day, oldest
first, and ``latest_probe(component)`` the newest probe result (or None). Until that module
exists this adapter answers "no data", so the page still renders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


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


def probe_days(component: str, *, days: int = 90, now: dt.datetime | None = None) -> list:
    slo = _slo()
    if slo is not None:
        return list(slo.probe_days(component, days=days, now=now))
    today = (now or dt.datetime.now(dt.UTC)).date()
    return [
        DayUptime(today - dt.timedelta(days=offset), 0, 0, 0, True)
        for offset in range(days - 1, -1, -1)
    ]


def latest_probe(component: str) -> Any | None:
    slo = _slo()
    if slo is None or not hasattr(slo, "latest_probe"):
        return None
    return slo.latest_probe(component)
