"""SLO figures computed from ``RequestMinute`` and ``ProbeResult`` (docs/explanation/slo.md).

Windows are half-open ``[start, end)``, counted in whole minutes: a minute row counts when
it overlaps the window (so a window reads at most one minute more than its length).

- **uptime** (probes): a minute with at least one probe result is *with data*; it is *up*
  when every probe in it succeeded. uptime = up minutes / minutes with data (None when no
  minute has data). A probe answered with planned maintenance (``ProbeResult.maintenance``)
  counts neither way: a minute of nothing else is no data, never downtime.
- **error rate**: 5xx responses / all responses (None without traffic).
- **average**: sum of durations / count.
- **p95**: from the latency histogram, as Prometheus' ``histogram_quantile`` does: find the
  bucket holding the 95th-percentile rank and interpolate linearly between its lower and
  upper bound (the first bucket starts at 0); a rank in the +Inf bucket answers the highest
  finite bound (10 s), a floor rather than a guess.
"""

from __future__ import annotations

import datetime as dt
import operator
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from midas.slo.models import BUCKET_BOUNDS_MS, BUCKET_FIELDS, ProbeResult, RequestMinute
from midas.slo.recorder import minute_of

WINDOWS: dict[str, dt.timedelta] = {
    "5m": dt.timedelta(minutes=5),
    "1h": dt.timedelta(hours=1),
    "24h": dt.timedelta(hours=24),
    "7d": dt.timedelta(days=7),
}
MINUTE = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Targets:
    uptime_pct: float
    avg_ms: float
    error_rate_pct: float


def targets() -> Targets:
    return Targets(
        uptime_pct=float(settings.SLO_UPTIME_TARGET),
        avg_ms=float(settings.SLO_AVG_MS_TARGET),
        error_rate_pct=float(settings.SLO_ERROR_RATE_TARGET),
    )


@dataclass(frozen=True)
class Figures:
    start: dt.datetime
    end: dt.datetime
    requests: int
    errors: int
    error_rate_pct: float | None
    avg_ms: float | None
    p95_ms: float | None
    minutes_with_data: int
    minutes_up: int
    uptime_pct: float | None
    minutes_maintenance: int = 0  # minutes in which a probe met planned maintenance

    def passes(self, goal: Targets | None = None) -> dict[str, bool | None]:
        """Pass/fail per target; None when the window has no data for it."""
        goal = goal or targets()
        return {
            "uptime": None if self.uptime_pct is None else self.uptime_pct >= goal.uptime_pct,
            "avg": None if self.avg_ms is None else self.avg_ms < goal.avg_ms,
            "error_rate": (
                None if self.error_rate_pct is None else self.error_rate_pct < goal.error_rate_pct
            ),
        }


def quantile_ms(q: float, buckets: list[int]) -> float | None:
    """The ``q`` quantile from per-bucket (non-cumulative) counts, interpolated."""
    total = sum(buckets)
    if not total:
        return None
    rank = q * total
    seen = 0
    for index, n in enumerate(buckets):
        if n and seen + n >= rank:
            if index == len(BUCKET_BOUNDS_MS):  # +Inf bucket
                return float(BUCKET_BOUNDS_MS[-1])
            lower = BUCKET_BOUNDS_MS[index - 1] if index else 0.0
            upper = BUCKET_BOUNDS_MS[index]
            return lower + (upper - lower) * (rank - seen) / n
        seen += n
    return float(BUCKET_BOUNDS_MS[-1])


def measured() -> QuerySet[ProbeResult]:
    """The probe results that measure the site: not those that met planned maintenance."""
    return ProbeResult.objects.filter(maintenance=False)


def uptime_minutes(
    start: dt.datetime, end: dt.datetime, component: str | None = None
) -> tuple[int, int]:
    """(minutes with data, minutes up) from the probe results in ``[start, end)``; probes
    that met planned maintenance are left out."""
    rows = measured().filter(minute__gte=minute_of(start), minute__lt=end)
    if component:
        rows = rows.filter(component=component)
    per_minute = rows.values("minute").annotate(bad=Count("pk", filter=Q(ok=False)))
    with_data = up = 0
    for row in per_minute:
        with_data += 1
        up += row["bad"] == 0
    return with_data, up


def maintenance_minutes(start: dt.datetime, end: dt.datetime, component: str | None = None) -> int:
    """Minutes in ``[start, end)`` in which a probe met planned maintenance."""
    rows = ProbeResult.objects.filter(
        maintenance=True, minute__gte=minute_of(start), minute__lt=end
    )
    if component:
        rows = rows.filter(component=component)
    return rows.values("minute").distinct().count()


def figures(start: dt.datetime, end: dt.datetime, *, component: str | None = None) -> Figures:
    """Every figure for ``[start, end)``; ``component`` narrows the uptime only."""
    sums = RequestMinute.objects.filter(minute__gte=minute_of(start), minute__lt=end).aggregate(
        count=Sum("count"),
        errors=Sum("errors"),
        duration=Sum("duration_ms_sum"),
        **{name: Sum(name) for name in BUCKET_FIELDS},
    )
    count, errors = sums["count"] or 0, sums["errors"] or 0
    buckets = [sums[name] or 0 for name in BUCKET_FIELDS]
    with_data, up = uptime_minutes(start, end, component)
    return Figures(
        start=start,
        end=end,
        requests=count,
        errors=errors,
        error_rate_pct=100.0 * errors / count if count else None,
        avg_ms=(sums["duration"] or 0.0) / count if count else None,
        p95_ms=quantile_ms(0.95, buckets),
        minutes_with_data=with_data,
        minutes_up=up,
        uptime_pct=100.0 * up / with_data if with_data else None,
        minutes_maintenance=maintenance_minutes(start, end, component),
    )


def window_figures(window: str, *, now: dt.datetime | None = None) -> Figures:
    """Figures for a named window (``5m``, ``1h``, ``24h``, ``7d``) ending at ``now``."""
    now = now or timezone.now()
    return figures(now - WINDOWS[window], now)


# --- "for"-style conditions ------------------------------------------------------------------

OPERATORS = {">": operator.gt, ">=": operator.ge, "<": operator.lt, "<=": operator.le}
METRICS = ("error_rate", "avg_ms", "p95_ms", "down", "requests")


def minute_values(metric: str, start: dt.datetime, end: dt.datetime) -> dict[dt.datetime, float]:
    """The metric evaluated once per minute in ``[start, end)``; a minute without data is
    absent. ``error_rate`` is in percent; ``down`` is 1 for a minute in which a probe
    failed, 0 for one where all succeeded (planned maintenance is neither: a minute of
    nothing else has no data)."""
    if metric == "down":
        rows = measured().filter(minute__gte=start, minute__lt=end)
        per = rows.values("minute").annotate(bad=Count("pk", filter=Q(ok=False)))
        return {row["minute"]: float(row["bad"] > 0) for row in per}
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; one of {', '.join(METRICS)}")
    rows = (
        RequestMinute.objects.filter(minute__gte=start, minute__lt=end)
        .values("minute")
        .annotate(
            n=Sum("count"),
            e=Sum("errors"),
            d=Sum("duration_ms_sum"),
            **{name: Sum(name) for name in BUCKET_FIELDS},
        )
    )
    values = {}
    for row in rows:
        if not row["n"]:
            continue
        if metric == "error_rate":
            values[row["minute"]] = 100.0 * row["e"] / row["n"]
        elif metric == "avg_ms":
            values[row["minute"]] = row["d"] / row["n"]
        elif metric == "p95_ms":
            values[row["minute"]] = quantile_ms(0.95, [row[f] for f in BUCKET_FIELDS])
        else:
            values[row["minute"]] = float(row["n"])
    return values


def condition_held(
    metric: str, op: str, threshold: float, for_minutes: int, now: dt.datetime | None = None
) -> bool:
    """True when ``metric op threshold`` held at each of the last ``for_minutes`` complete
    minutes before ``now`` (the current, partial minute is not evaluated). A minute without
    data fails the condition: no traffic is no evidence of an error rate, and no probe
    result is no evidence of an outage (stopped probes show as no data, not as downtime).

    ``condition_held("error_rate", ">", 1, 10)``: the error rate was above 1 % for 10 min;
    ``condition_held("down", ">=", 1, 5)``: a probe failed in each of the last 5 minutes.
    """
    if for_minutes < 1:
        raise ValueError("for_minutes must be at least 1")
    compare = OPERATORS[op]
    end = minute_of(now or timezone.now())
    start = end - for_minutes * MINUTE
    values = minute_values(metric, start, end)
    minutes = [start + i * MINUTE for i in range(for_minutes)]
    return all(m in values and compare(values[m], threshold) for m in minutes)


# --- Probe history for the status page -------------------------------------------------------


@dataclass(frozen=True)
class DayUptime:
    date: dt.date
    up_minutes: int
    down_minutes: int
    degraded_minutes: int
    no_data: bool


def probe_days(component: str, days: int = 90, now: dt.datetime | None = None) -> list[DayUptime]:
    """One entry per UTC day, oldest first, the last one today. A minute is *down* when a
    probe of the component failed in it, *degraded* when all succeeded but the slowest took
    longer than ``SLO_DEGRADED_MS`` (default 2500), otherwise *up*; probes that met planned
    maintenance are left out (a minute of nothing else has no data)."""
    now = now or timezone.now()
    today = now.astimezone(dt.UTC).date()
    first = today - dt.timedelta(days=days - 1)
    start = dt.datetime.combine(first, dt.time(), tzinfo=dt.UTC)
    slow_ms = float(settings.SLO_DEGRADED_MS)
    per_minute = (
        measured()
        .filter(component=component, minute__gte=start, minute__lt=now)
        .values("minute")
        .annotate(bad=Count("pk", filter=Q(ok=False)), slowest=Max("latency_ms"))
    )
    tally: dict[dt.date, list[int]] = {}
    for row in per_minute:
        day = tally.setdefault(row["minute"].astimezone(dt.UTC).date(), [0, 0, 0])
        if row["bad"]:
            day[1] += 1
        elif row["slowest"] > slow_ms:
            day[2] += 1
        else:
            day[0] += 1
    result = []
    for offset in range(days):
        date = first + dt.timedelta(days=offset)
        up, down, degraded = tally.get(date, (0, 0, 0))
        result.append(DayUptime(date, up, down, degraded, no_data=not (up or down or degraded)))
    return result


def latest_probe(component: str) -> ProbeResult | None:
    """The most recent probe result of a component, or None before the first probe."""
    return ProbeResult.objects.filter(component=component).order_by("-at", "-pk").first()
