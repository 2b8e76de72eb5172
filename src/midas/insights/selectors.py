"""The success metrics, read from the day rollups and the booking records, over any period
and compared with the period of equal length before it (docs/explanation/insights.md).

Each metric is an entry of ``METRICS`` with its written definition and, where the launch plan
sets one, its target; ``period_metrics`` returns them all for a ``Period``. Reads: the
``DailyStat`` rows of both periods (one query), the return-visitor days, registrations,
bookings and captured payments (a few indexed aggregates): no raw page view is read.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from midas.insights.definitions import DEFINITIONS
from midas.insights.models import DailyPage, DailyReturner, DailySource, DailyStat
from midas.money import format_money

DAY = dt.timedelta(days=1)
RETURN_WITHIN = dt.timedelta(days=7)
NO_DATA = "no data yet"


@dataclass(frozen=True)
class Period:
    """UTC days ``[start, end)``, optionally one city (location slug) and one category."""

    start: dt.date
    end: dt.date
    city: str = ""
    category: str = ""

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def previous(self) -> Period:
        length = self.end - self.start
        return Period(self.start - length, self.start, self.city, self.category)

    @property
    def start_at(self) -> dt.datetime:
        return dt.datetime.combine(self.start, dt.time(), tzinfo=dt.UTC)

    @property
    def end_at(self) -> dt.datetime:
        return dt.datetime.combine(self.end, dt.time(), tzinfo=dt.UTC)

    def label(self) -> str:
        last = self.end - DAY
        return f"{self.start:%d %b %Y}" + ("" if last == self.start else f" – {last:%d %b %Y}")


@dataclass(frozen=True)
class Target:
    """The launch plan's target: ``value`` with ``above`` (more is better) or below."""

    value: float
    above: bool
    said: str

    def met(self, value: float | None) -> bool | None:
        if value is None:
            return None
        return value > self.value if self.above else value < self.value


@dataclass
class Totals:
    """The rollup sums of one period (every ``DailyStat`` counter)."""

    visitors: int = 0
    sessions: int = 0
    bounces: int = 0
    pageviews: int = 0
    duration_s: int = 0
    asset_sessions: int = 0
    quote_sessions: int = 0
    checkout_sessions: int = 0
    paid_sessions: int = 0
    load_ms_sum: int = 0
    loads: int = 0
    mobile_visitors: int = 0
    mobile_load_ms_sum: int = 0
    mobile_loads: int = 0
    by_day: dict[dt.date, dict[str, int]] = field(default_factory=dict)


@dataclass
class Readings:
    """Everything the metric functions read for one period."""

    period: Period
    totals: Totals
    returners: tuple[int, int]  # (came back within 7 days, identifiable visitors)
    registrations: int
    bookings: int
    revenue: dict[str, int]  # minor units per currency
    support: dict | None  # concierge figures, when its hook exists


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


STAT_FIELDS = [
    "visitors",
    "sessions",
    "bounces",
    "pageviews",
    "duration_s",
    "asset_sessions",
    "quote_sessions",
    "checkout_sessions",
    "paid_sessions",
    "load_ms_sum",
    "loads",
]


def sliced(queryset: QuerySet, period: Period) -> QuerySet:
    if period.city:
        queryset = queryset.filter(city=period.city)
    if period.category:
        queryset = queryset.filter(category=period.category)
    return queryset


def totals_of(periods: list[Period]) -> list[Totals]:
    """The rollup sums of each period, in one query over the span they cover."""
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    rows = (
        sliced(DailyStat.objects.filter(day__gte=first, day__lt=last), periods[0])
        .values("day", "device")
        .annotate(**{name: Sum(name) for name in STAT_FIELDS})
    )
    out = [Totals() for _ in periods]
    for row in rows:
        for period, totals in zip(periods, out, strict=True):
            if not period.start <= row["day"] < period.end:
                continue
            day = totals.by_day.setdefault(row["day"], defaultdict(int))
            for name in STAT_FIELDS:
                value = int(row[name] or 0)
                setattr(totals, name, getattr(totals, name) + value)
                day[name] += value
            if row["device"] == "mobile":
                totals.mobile_visitors += int(row["visitors"] or 0)
                totals.mobile_load_ms_sum += int(row["load_ms_sum"] or 0)
                totals.mobile_loads += int(row["loads"] or 0)
                day["mobile_visitors"] += int(row["visitors"] or 0)
    return out


def returners_of(period: Period) -> tuple[int, int]:
    """(identifiable visitors of the period seen again 1–7 days after a visit in it,
    identifiable visitors of the period): signed-in or agreed visitors only."""
    days: dict[str, list[dt.date]] = defaultdict(list)
    rows = DailyReturner.objects.filter(day__gte=period.start, day__lt=period.end + RETURN_WITHIN)
    for ident, day in rows.order_by("day").values_list("ident", "day"):
        days[ident].append(day)
    cohort = came_back = 0
    for seen in days.values():
        inside = [d for d in seen if period.start <= d < period.end]
        if not inside:
            continue
        cohort += 1
        came_back += any(d < e <= d + RETURN_WITHIN for d in inside for e in seen)
    return came_back, cohort


def _real(queryset: QuerySet, email_field: str) -> QuerySet:
    """Smoke-test accounts (``accounts.synthetic``) left out."""
    from midas.accounts.synthetic import DEFAULT_DOMAIN, LOCAL_PREFIX, synthetic_email_domain

    for domain in {synthetic_email_domain(), DEFAULT_DOMAIN}:
        queryset = queryset.exclude(
            Q(**{f"{email_field}__istartswith": LOCAL_PREFIX})
            & Q(**{f"{email_field}__iendswith": "@" + domain})
        )
    return queryset


def _on_asset(queryset: QuerySet, period: Period, prefix: str) -> QuerySet:
    if period.city:
        queryset = queryset.filter(**{f"{prefix}asset__home_location__slug": period.city})
    if period.category:
        queryset = queryset.filter(**{f"{prefix}asset__category__slug": period.category})
    return queryset


PAID_STATES = ("confirmed", "in_progress", "completed")


def bookings_of(period: Period) -> int:
    from midas.bookings.models import Booking

    rows = Booking.objects.filter(
        confirmed_at__gte=period.start_at, confirmed_at__lt=period.end_at, status__in=PAID_STATES
    )
    return _real(_on_asset(rows, period, ""), "customer__email").count()


def registrations_of(period: Period) -> int:
    from midas.accounts.models import User

    rows = User.objects.filter(
        date_joined__gte=period.start_at, date_joined__lt=period.end_at, is_staff=False
    )
    return _real(rows, "email").count()


def revenue_of(period: Period) -> dict[str, int]:
    from midas.payments.models import Payment, PaymentKind, PaymentStatus

    rows = Payment.objects.filter(
        kind__in=(PaymentKind.CHARGE, PaymentKind.DEPOSIT_CAPTURE),
        status=PaymentStatus.SUCCEEDED,
        created_at__gte=period.start_at,
        created_at__lt=period.end_at,
    )
    rows = _real(_on_asset(rows, period, "booking__"), "booking__customer__email")
    totals = rows.values("currency").annotate(total=Sum("amount_minor")).order_by("currency")
    return {r["currency"].upper(): int(r["total"]) for r in totals if r["total"]}


def support_of(period: Period) -> dict | None:
    """The concierge's figures through its ``selectors.support_figures(start=, end=)``
    (tickets opened, first-response average, "how did we do" scores and reviews); None
    while the concierge has no such selector ("no data yet")."""
    try:
        from midas.concierge import selectors as concierge
    except ImportError:  # pragma: no cover - the concierge app is installed
        return None
    figures = getattr(concierge, "support_figures", None)
    if not callable(figures):
        return None
    got = figures(start=period.start_at, end=period.end_at)
    rated = [
        (avg, n)
        for avg, n in (
            (got.satisfaction_avg, got.satisfaction_count),
            (got.review_avg, got.review_count),
        )
        if avg is not None and n
    ]
    count = sum(n for _, n in rated)
    minutes = got.first_response_avg_minutes
    return {
        "tickets": got.tickets_opened,
        "first_response_s": None if minutes is None else minutes * 60,
        "rating_avg": sum(avg * n for avg, n in rated) / count if count else None,
        "ratings": count,
    }


def readings_of(period: Period, totals: Totals) -> Readings:
    return Readings(
        period=period,
        totals=totals,
        returners=returners_of(period),
        registrations=registrations_of(period),
        bookings=bookings_of(period),
        revenue=revenue_of(period),
        support=support_of(period),
    )


# --- the metrics ----------------------------------------------------------------------------


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
    _m("return", lambda r: _ratio(*r.returners, 100), _pct, Target(20, True, "> 20%")),
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
    funnel, last = [], None
    for label, name in FUNNEL:
        count = getattr(current_totals, name)
        drop = None if last is None else _ratio(last - count, last, 100)
        funnel.append(FunnelStep(label, count, getattr(previous_totals, name), drop))
        last = count
    daily = []
    day = period.start
    while day < period.end:
        daily.append((day, dict(current_totals.by_day.get(day, {}))))
        day += DAY
    return Insights(period, before, figures, funnel, now.revenue, daily)


def top_pages(period: Period, limit: int = 10) -> list[dict]:
    """Most viewed paths with their entries and exits (all cities and categories)."""
    rows = DailyPage.objects.filter(day__gte=period.start, day__lt=period.end)
    rows = rows.values("path").annotate(v=Sum("views"), e=Sum("entries"), x=Sum("exits"))
    return list(rows.order_by("-v", "path")[:limit])


def top_sources(period: Period, limit: int = 10) -> list[dict]:
    rows = DailySource.objects.filter(day__gte=period.start, day__lt=period.end)
    rows = rows.values("source", "medium", "campaign").annotate(s=Sum("sessions"), b=Sum("bounces"))
    return list(rows.order_by("-s", "source")[:limit])


def slices_known() -> tuple[list[str], list[str]]:
    """Cities and categories that appear in the rollups (the dashboard's filter choices)."""
    cities = DailyStat.objects.exclude(city="").values_list("city", flat=True).distinct()
    categories = DailyStat.objects.exclude(category="").values_list("category", flat=True)
    return sorted(set(cities)), sorted(set(categories.distinct()))
