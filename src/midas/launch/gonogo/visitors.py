"""The soft launch's visitors at the go/no-go (first-party analytics, ``midas.insights``).

Like the beta feedback, it is always shown and kept on the record, and becomes a NO-GO reason
only on enough evidence: at least ``VISITORS_MIN_SESSIONS`` (100) sessions since the soft
launch began (launch day 06:00 local, else the last 24 h; the UTC days it touches, from the
day rollups the worker refreshes every 10 minutes). Then it fails when one of the plan's two
"technical" visitor targets is missed: conversion (paid bookings / visitors) > 2 % and page
load on mobile < 3 s. Bounce rate, session length, pages per session, mobile share and
return visitors are listed with it (``items``) and judged by ``midas launch report``.
Marketing owns it (and may waive it).
"""

from __future__ import annotations

import datetime as dt

from midas.launch.gonogo.criteria import Result, uptime_start

VISITORS_OWNER = "marketing"
VISITORS_MIN_SESSIONS = 100
JUDGED = ("conversion", "mobile_load")
SHOWN = ("bounce", "session", "pages", "mobile", "return")
LABEL = "Soft-launch visitors (conversion, mobile load)"
THRESHOLD = f"conversion > 2%, mobile load < 3 s (from {VISITORS_MIN_SESSIONS} sessions)"


def visitors_result(now: dt.datetime) -> Result:
    from midas.insights.selectors import Period, period_metrics

    start = uptime_start(now)
    first = start.astimezone(dt.UTC).date()
    last = now.astimezone(dt.UTC).date()
    insights = period_metrics(Period(first, last + dt.timedelta(days=1)))
    sessions = int(insights.figure("sessions").value or 0)
    judged = [insights.figure(key) for key in JUDGED]
    value = f"{sessions} sessions; " + ", ".join(f"{f.label.lower()} {f.shown}" for f in judged)
    items = tuple(
        f"{f.label}: {f.shown} (target {f.target.said if f.target else '-'})"
        for f in (insights.figure(key) for key in (*JUDGED, *SHOWN))
    )
    days = f"{insights.period.label()} (UTC days)"
    if sessions < VISITORS_MIN_SESSIONS:
        detail = f"fewer than {VISITORS_MIN_SESSIONS} sessions: shown, not judged; {days}"
        return Result("visitors", LABEL, value, THRESHOLD, True, detail, items)
    missed = [f for f in judged if f.met is not True]
    detail = "; ".join(f"{f.label} {f.shown}" for f in missed) or f"both met; {days}"
    return Result("visitors", LABEL, value, THRESHOLD, not missed, detail, items)
