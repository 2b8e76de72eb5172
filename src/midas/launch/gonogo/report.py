"""The launch report: the plan's success metrics against their targets
(the go-live plan's "Success Metrics"; docs/explanation/launch-gonogo.md).

A registry of metrics, one function each ``(ReportWindow) -> (value, verdict, detail)``.
Verdicts: ``met``, ``missed``, ``in progress`` (the metric's own period is not over and the
target is not reached yet) and ``no data`` (nothing measured in the window). The visitor
metrics (conversion, mobile load, bounce, session, pages, mobile share, return visitors) and
the support figures come from the first-party analytics (``midas.insights``: its day
rollups over the UTC days the window touches, rebuilt for today and yesterday first), the
same source as the ``/ops/insights/`` dashboard. ``needs analytics`` is kept as a verdict
name for readers of older reports; no metric gives it any more. Smoke-test accounts and
their bookings and payments are left out.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.conf import settings
from django.utils import timezone

from midas.accounts.synthetic import is_synthetic_email
from midas.money import convert, format_money

MET, MISSED, IN_PROGRESS, NO_DATA, NEEDS_ANALYTICS = (
    "met",
    "missed",
    "in progress",
    "no data",
    "needs analytics",
)
DAY = dt.timedelta(days=1)
# The plan's "$50,000+ in the first month", judged on every currency converted into
# LAUNCH_REPORT_CURRENCY at the rates of LAUNCH_FX_RATES (said in the report).
REVENUE_TARGET_CURRENCY, REVENUE_TARGET_MINOR = "USD", 5_000_000


@dataclass(frozen=True)
class ReportWindow:
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class MetricRow:
    key: str
    group: str
    label: str
    value: str
    target: str
    verdict: str
    detail: str = ""


@dataclass(frozen=True)
class Metric:
    key: str
    group: str  # technical, business, experience
    label: str
    target: str | Callable[[], str]  # a callable: said from the settings when reported
    measure: Callable[[ReportWindow], tuple[str, str, str]] | None  # None: needs analytics


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    rows: list[MetricRow]
    notes: list[str] = field(default_factory=list)
    revenue: dict | None = None  # the revenue row's figures: per currency, total, rates

    def __str__(self) -> str:
        measured = [
            f"{r.key} {r.value} {r.verdict}" for r in self.rows if r.verdict != NEEDS_ANALYTICS
        ]
        return f"{self.start:%Y-%m-%d %H:%M} → {self.end:%Y-%m-%d %H:%M}: " + "; ".join(measured)

    def as_json(self) -> dict:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "metrics": [asdict(r) for r in self.rows],
            "revenue": self.revenue,
            "notes": self.notes,
        }


METRICS: list[Metric] = []


def metric(key: str, group: str, label: str, target: str | Callable[[], str]) -> Callable:
    def register(fn: Callable[[ReportWindow], tuple[str, str, str]]) -> Callable:
        METRICS.append(Metric(key, group, label, target, fn))
        return fn

    return register


def needs_analytics(key: str, group: str, label: str, target: str) -> None:
    METRICS.append(Metric(key, group, label, target, None))


def is_smoke(email: str) -> bool:
    """Smoke-test accounts (``accounts.synthetic``): left out of the launch's figures."""
    return is_synthetic_email(email)


def _period(window: ReportWindow, length: dt.timedelta) -> tuple[dt.datetime, dt.datetime, bool]:
    """The metric's own period from the window's start (first 24 h, first week...), cut at
    the window's end; ``over`` when the whole period lies inside the window."""
    end = min(window.start + length, window.end)
    return window.start, end, window.start + length <= window.end


def _counted(total: int, goal: int, over: bool) -> str:
    return MET if total >= goal else (MISSED if over else IN_PROGRESS)


# --- technical (the SLO engine) -------------------------------------------------------------


def _figures(window: ReportWindow):
    from midas.slo.selectors import figures

    return figures(window.start, window.end)


@metric("uptime", "technical", "Uptime", "> 99.9%")
def uptime(window: ReportWindow) -> tuple[str, str, str]:
    from midas.slo.selectors import targets

    fig = _figures(window)
    if fig.uptime_pct is None:
        return "no data", NO_DATA, "no probe results in the window"
    ok = fig.uptime_pct >= targets().uptime_pct
    detail = f"{fig.minutes_with_data - fig.minutes_up} down of {fig.minutes_with_data} minutes"
    return f"{fig.uptime_pct:.3f}%", MET if ok else MISSED, detail


@metric("avg_response", "technical", "Response time (average)", "< 2.5 s")
def avg_response(window: ReportWindow) -> tuple[str, str, str]:
    from midas.slo.selectors import targets

    fig = _figures(window)
    if fig.avg_ms is None:
        return "no data", NO_DATA, "no requests in the window"
    ok = fig.avg_ms < targets().avg_ms
    return f"{fig.avg_ms / 1000:.2f} s", MET if ok else MISSED, f"{fig.requests} requests"


@metric("error_rate", "technical", "Error rate", "< 0.1% of requests")
def error_rate(window: ReportWindow) -> tuple[str, str, str]:
    from midas.slo.selectors import targets

    fig = _figures(window)
    if fig.error_rate_pct is None:
        return "no data", NO_DATA, "no requests in the window"
    ok = fig.error_rate_pct < targets().error_rate_pct
    return f"{fig.error_rate_pct:.3f}%", MET if ok else MISSED, f"{fig.errors} of {fig.requests}"


# --- from the first-party analytics (midas.insights) ---------------------------------------


@functools.lru_cache(maxsize=4)
def _insights(start: dt.datetime, end: dt.datetime):
    """The insights metrics over the UTC days ``[start, end)`` touches (cleared per report)."""
    from midas.insights.selectors import Period, period_metrics

    first = start.astimezone(dt.UTC).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(dt.UTC).date()
    return period_metrics(Period(first, last + DAY))


def _from_insights(key: str, what: str = "") -> Callable[[ReportWindow], tuple[str, str, str]]:
    def measure(window: ReportWindow) -> tuple[str, str, str]:
        insights = _insights(window.start, window.end)
        figure = insights.figure(key)
        days = insights.period.label() + " (UTC days, first-party analytics)"
        if figure.value is None:
            return "-", NO_DATA, f"no data yet: {what or 'no visits recorded'}; {days}"
        return figure.shown, MET if figure.met else MISSED, days

    return measure


def insights_metric(
    key: str, group: str, label: str, target: str, source: str = "", what: str = ""
) -> None:
    METRICS.append(Metric(key, group, label, target, _from_insights(source or key, what)))


insights_metric("conversion", "technical", "Conversion (visitor to booking)", "> 2%")
insights_metric(
    "mobile_load", "technical", "Page load on mobile", "< 3 s", what="no load time from phones"
)


# --- business (the data) --------------------------------------------------------------------


@metric("registrations", "business", "Registrations, first 24 h", "100+")
def registrations(window: ReportWindow) -> tuple[str, str, str]:
    from midas.accounts.models import User

    def real(start: dt.datetime, end: dt.datetime) -> tuple[int, int]:
        emails = list(
            User.objects.filter(
                date_joined__gte=start, date_joined__lt=end, is_staff=False
            ).values_list("email", flat=True)
        )
        counted = sum(not is_smoke(e) for e in emails)
        return counted, len(emails) - counted

    start, end, over = _period(window, DAY)
    counted, left_out = real(start, end)
    notes = [f"{left_out} smoke-test account(s) left out"] if left_out else []
    if window.end > end:
        notes.append(f"{real(window.start, window.end)[0]} in the whole window")
    return str(counted), _counted(counted, 100, over), "; ".join(notes)


def _real_bookings(start: dt.datetime, end: dt.datetime) -> list:
    from midas.bookings.models import Booking, BookingStatus

    rows = Booking.objects.filter(
        confirmed_at__gte=start,
        confirmed_at__lt=end,
        status__in=(BookingStatus.CONFIRMED, BookingStatus.IN_PROGRESS, BookingStatus.COMPLETED),
    ).values_list("pk", "customer__email")
    return [pk for pk, email in rows if not is_smoke(email)]


@metric("bookings", "business", "Bookings, first week", "10+ completed")
def bookings(window: ReportWindow) -> tuple[str, str, str]:
    start, end, over = _period(window, 7 * DAY)
    counted = len(_real_bookings(start, end))
    detail = "confirmed, in progress or completed (not cancelled or refunded)"
    return str(counted), _counted(counted, 10, over), detail


def revenue_target() -> str:
    """The plan's $50,000, said in the report currency (``LAUNCH_REPORT_CURRENCY``)."""
    target = _revenue_target_minor()
    into = settings.LAUNCH_REPORT_CURRENCY
    if target is None:
        return f"$50,000+ (no USD rate into {into})"
    return f"{format_money(target, into)}+ (every currency in {into})"


def _revenue_target_minor() -> int | None:
    """$50,000 in minor units of the report currency; None without a rate for USD."""
    into = settings.LAUNCH_REPORT_CURRENCY
    if into == REVENUE_TARGET_CURRENCY:
        return REVENUE_TARGET_MINOR
    rate = settings.LAUNCH_FX_RATES.get(REVENUE_TARGET_CURRENCY)
    if rate is None:
        return None
    return convert(REVENUE_TARGET_MINOR, REVENUE_TARGET_CURRENCY, into, rate)


@dataclass(frozen=True)
class Revenue:
    """Captured money per currency (minor units) and its total in the report currency."""

    currency: str  # the report currency
    by_currency: dict[str, int]
    total_minor: int  # the converted sum of the currencies that have a rate
    rates: dict[str, str]  # the rates used: 1 CODE = rate of ``currency``
    unconverted: list[str]  # currencies without a rate (left out of the total)

    def rate_text(self) -> str:
        if not self.rates:
            return ""
        pairs = ", ".join(f"1 {c} = {r} {self.currency}" for c, r in sorted(self.rates.items()))
        return f"at {pairs}, set in LAUNCH_FX_RATES"


def revenue_figures(start: dt.datetime, end: dt.datetime) -> Revenue:
    """Succeeded charges and deposit captures in ``[start, end)`` per currency (smoke-test
    accounts left out), converted into ``LAUNCH_REPORT_CURRENCY`` at ``LAUNCH_FX_RATES``."""
    from django.db.models import Sum

    from midas.payments.models import Payment, PaymentKind, PaymentStatus

    captured = (
        Payment.objects.filter(
            kind__in=(PaymentKind.CHARGE, PaymentKind.DEPOSIT_CAPTURE),
            status=PaymentStatus.SUCCEEDED,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("currency", "booking__customer__email")
        .annotate(total=Sum("amount_minor"))
    )
    by_currency: dict[str, int] = {}
    for row in captured:
        if not is_smoke(row["booking__customer__email"]):
            code = row["currency"].upper()
            by_currency[code] = by_currency.get(code, 0) + int(row["total"])
    into = settings.LAUNCH_REPORT_CURRENCY
    total, rates, unconverted = 0, {}, []
    for code, minor in sorted(by_currency.items()):
        if code == into:
            total += minor
        elif code in settings.LAUNCH_FX_RATES:
            rates[code] = settings.LAUNCH_FX_RATES[code]
            total += convert(minor, code, into, rates[code])
        else:
            unconverted.append(code)
    return Revenue(into, by_currency, total, rates, unconverted)


@metric("revenue", "business", "Revenue, first month", revenue_target)
def revenue(window: ReportWindow) -> tuple[str, str, str]:
    start, end, over = _period(window, 30 * DAY)
    figures = revenue_figures(start, end)
    if not figures.by_currency:
        return "0", IN_PROGRESS if not over else MISSED, "no payments captured"
    into = figures.currency
    value = ", ".join(
        format_money(v, c, always_fraction=True) for c, v in sorted(figures.by_currency.items())
    )
    if set(figures.by_currency) != {into}:
        value += f"; total {format_money(figures.total_minor, into, always_fraction=True)}"
    detail = "gross captured (charges and deposit captures)"
    if figures.rates:
        detail += f"; {figures.rate_text()}"
    if figures.unconverted:
        detail += (
            f"; {', '.join(figures.unconverted)} left out of the total: no rate into {into}"
            " in LAUNCH_FX_RATES"
        )
    target = _revenue_target_minor()
    if target is None:
        return value, NO_DATA, detail + f"; no rate for USD into {into}: the target is not judged"
    return value, _counted(figures.total_minor, target, over), detail


@metric("satisfaction", "business", "Customer satisfaction", "> 4.5 / 5")
def satisfaction(window: ReportWindow) -> tuple[str, str, str]:
    from django.db.models import Avg, Count

    from midas.launch.models import Feedback

    agg = Feedback.objects.filter(
        created_at__gte=window.start, created_at__lt=window.end
    ).aggregate(n=Count("pk"), avg=Avg("rating"))
    if not agg["n"]:
        value, verdict, detail = _from_insights("satisfaction", "no ratings")(window)
        return value, verdict, f"no beta feedback ratings in the window; {detail}"
    return (
        f"{agg['avg']:.2f} / 5",
        MET if agg["avg"] > 4.5 else MISSED,
        f"{agg['n']} beta feedback rating(s)",
    )


insights_metric(
    "support", "business", "Support tickets", "< 5% of users", what="no support tickets"
)

# --- user experience (the first-party analytics) --------------------------------------------

insights_metric("bounce", "experience", "Bounce rate", "< 40%")
insights_metric("session", "experience", "Session duration", "> 3 min average")
insights_metric("pages", "experience", "Pages per session", "> 4 average")
insights_metric("mobile", "experience", "Mobile share of traffic", "> 50%")
insights_metric(
    "return",
    "experience",
    "Return visitors, first week",
    "> 20%",
    what="no signed-in or agreeing visitors",
)


# --- the report -----------------------------------------------------------------------------


def default_start(now: dt.datetime) -> tuple[dt.datetime, str]:
    from midas.launch.state.selectors import launch_day_at, launch_state

    state = launch_state(fresh=True)
    if state.launch_date is None:
        return now - DAY, "launch day not set: the window is the last 24 h"
    start = launch_day_at(state, 6)
    if start >= now:
        return now - DAY, "launch day has not begun: the window is the last 24 h"
    return start, ""


def _refresh_insights() -> None:
    """Today's and yesterday's rollups rebuilt (the worker does it every 10 minutes), and the
    previous report's figures forgotten."""
    from midas.insights.services import rollup_recent

    _insights.cache_clear()
    rollup_recent()


def launch_report(
    *,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime | None = None,
) -> Report:
    """Every metric for ``[start, end)``; by default from launch day's 06:00 local to now."""
    from midas.errors import AppError, ErrorCode

    now = now or timezone.now()
    end = end or now
    notes = []
    if start is None:
        start, note = default_start(now)
        if note:
            notes.append(note)
    if start >= end:
        raise AppError(ErrorCode.INVALID_RANGE, "The report's start must be before its end.")
    window = ReportWindow(start, end)
    _refresh_insights()
    rows = []
    for entry in METRICS:
        if entry.measure is None:
            value, verdict, detail = "-", NEEDS_ANALYTICS, "no first-party analytics yet"
            if entry.key == "support":
                detail = "no support tickets are recorded in Midas yet"
        else:
            value, verdict, detail = entry.measure(window)
        target = entry.target() if callable(entry.target) else entry.target
        rows.append(MetricRow(entry.key, entry.group, entry.label, value, target, verdict, detail))
    month_start, month_end, _ = _period(window, 30 * DAY)
    money = revenue_figures(month_start, month_end)
    if money.rates:
        notes.append(f"Revenue in {money.currency} {money.rate_text()}.")
    notes.append("Smoke-test accounts, their bookings and payments are left out.")
    return Report(start=start, end=end, rows=rows, notes=notes, revenue=asdict(money))
