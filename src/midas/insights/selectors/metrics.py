"""The metrics registry (``METRICS``: each with its definition and target) and
``period_metrics``: every metric for a period and the period of equal length before it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from midas.insights.definitions import DEFINITIONS
from midas.insights.selectors.period import DAY, Period, Target
from midas.insights.selectors.readings import Readings, readings_of, totals_of
from midas.money import format_money

NO_DATA = "no data yet"


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    value: float | None
    shown: str
    previous: float | None
    previous_shown: str
    definition: str
    target: Target | None = None

    @property
    def met(self) -> bool | None:
        return self.target.met(self.value) if self.target else None

    @property
    def change(self) -> float | None:
        if self.value is None or self.previous is None:
            return None
        return self.value - self.previous


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    definition: str
    measure: Callable[[Readings], float | None]
    show: Callable[[float | None, Readings], str]
    target: Target | None = None


def _ratio(part: float, whole: float, scale: float = 1.0) -> float | None:
    return part / whole * scale if whole else None


def _pct(value: float | None, _: Readings) -> str:
    return NO_DATA if value is None else f"{value:.1f}%"


def _count(value: float | None, _: Readings) -> str:
    return NO_DATA if value is None else f"{int(value):,}"


def _minutes(value: float | None, _: Readings) -> str:
    if value is None:
        return NO_DATA
    minutes, seconds = divmod(round(value), 60)
    return f"{minutes} min {seconds:02d} s"


def _decimal(value: float | None, _: Readings) -> str:
    return NO_DATA if value is None else f"{value:.2f}"


def _seconds(value: float | None, _: Readings) -> str:
    return NO_DATA if value is None else f"{value:.2f} s"


def _revenue(value: float | None, r: Readings) -> str:
    if not r.revenue:
        return "none"
    return ", ".join(format_money(v, c, always_fraction=True) for c, v in r.revenue.items())


def _support(key: str) -> Callable[[Readings], float | None]:
    def read(r: Readings) -> float | None:
        if r.support is None:
            return None
        if key == "ratio":
            return _ratio(r.support["tickets"], r.totals.visitors, 100)
        value = r.support.get(key)
        return None if value is None else float(value)

    return read


def _m(key: str, measure, show, target: Target | None = None) -> Metric:
    label, text = DEFINITIONS[key]
    return Metric(key, label, text, measure, show, target)


METRICS: list[Metric] = [
    _m("visitors", lambda r: r.totals.visitors if r.totals.sessions else None, _count),
    _m("sessions", lambda r: r.totals.sessions if r.totals.sessions else None, _count),
    _m(
        "bounce",
        lambda r: _ratio(r.totals.bounces, r.totals.sessions, 100),
        _pct,
        Target(40, False, "< 40%"),
    ),
    _m(
        "session",
        lambda r: _ratio(r.totals.duration_s, r.totals.sessions),
        _minutes,
        Target(180, True, "> 3 min"),
    ),
    _m(
        "pages",
        lambda r: _ratio(r.totals.pageviews, r.totals.sessions),
        _decimal,
        Target(4, True, "> 4"),
    ),
    _m(
        "mobile",
        lambda r: _ratio(r.totals.mobile_visitors, r.totals.visitors, 100),
        _pct,
        Target(50, True, "> 50%"),
    ),
    _m(
        "return",
        lambda r: _ratio(r.returners[0], r.returners[1], 100),
        _pct,
        Target(20, True, "> 20%"),
    ),
    _m(
        "mobile_load",
        lambda r: _ratio(r.totals.mobile_load_ms_sum, r.totals.mobile_loads, 0.001),
        _seconds,
        Target(3, False, "< 3 s"),
    ),
    _m(
        "conversion",
        lambda r: _ratio(r.bookings, r.totals.visitors, 100),
        lambda v, r: NO_DATA if v is None else f"{v:.2f}%",
        Target(2, True, "> 2%"),
    ),
    _m("registrations", lambda r: r.registrations, _count),
    _m("bookings", lambda r: r.bookings, _count),
    _m("revenue", lambda r: float(len(r.revenue)) if r.revenue else None, _revenue),
    _m("satisfaction", _support("rating_avg"), _decimal, Target(4.5, True, "> 4.5 / 5")),
    _m("support", _support("ratio"), _pct, Target(5, False, "< 5% of users")),
    _m(
        "first_response",
        _support("first_response_s"),
        lambda v, r: NO_DATA if v is None else _minutes(v, r),
    ),
]
BY_KEY = {m.key: m for m in METRICS}


@dataclass(frozen=True)
class FunnelStep:
    label: str
    sessions: int
    previous: int
    drop_pct: float | None  # lost since the step before


@dataclass(frozen=True)
class Insights:
    period: Period
    previous: Period
    figures: list[Figure]
    funnel: list[FunnelStep]
    revenue: dict[str, int]
    daily: list[tuple[dt.date, dict[str, int]]]  # every day of the period, zeros included

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


FUNNEL = [
    ("Visits", "sessions"),
    ("Asset viewed", "asset_sessions"),
    ("Quote", "quote_sessions"),
    ("Checkout", "checkout_sessions"),
    ("Paid", "paid_sessions"),
]
FUNNEL_DEFINITION = (
    "Sessions that reached each step or a later one: an asset page, an asset page pricing "
    "dates (the quote), the checkout or payment page, the confirmation page. The drop is "
    "the share of the previous step's sessions that went no further."
)


def period_metrics(period: Period) -> Insights:
    """Every metric for ``period`` and the period of equal length before it."""
    before = period.previous()
    current_totals, previous_totals = totals_of([period, before])
    now, then = readings_of(period, current_totals), readings_of(before, previous_totals)
    figures = []
    for metric in METRICS:
        value, old = metric.measure(now), metric.measure(then)
        figures.append(
            Figure(
                metric.key,
                metric.label,
                value,
                metric.show(value, now),
                old,
                metric.show(old, then),
                metric.definition,
                metric.target,
            )
        )
    funnel: list[FunnelStep] = []
    last: int | None = None
    for label, name in FUNNEL:
        count = getattr(current_totals, name)
        drop: float | None = None if last is None else _ratio(last - count, last, 100)
        funnel.append(FunnelStep(label, count, getattr(previous_totals, name), drop))
        last = count
    daily = []
    day = period.start
    while day < period.end:
        daily.append((day, dict(current_totals.by_day.get(day, {}))))
        day += DAY
    return Insights(period, before, figures, funnel, now.revenue, daily)
