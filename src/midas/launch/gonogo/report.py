"""The launch report: the plan's success metrics against their targets
(the go-live plan's "Success Metrics"; docs/explanation/launch-gonogo.md).

A registry of metrics, one function each ``(ReportWindow) -> (value, verdict, detail)``.
Verdicts: ``met``, ``missed``, ``in progress`` (the metric's own period is not over and the
target is not reached yet), ``no data`` (nothing measured in the window) and ``needs
analytics`` (Midas does not collect what the metric needs: no first-party analytics, no
support tickets). Smoke-test accounts and their bookings and payments are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from django.utils import timezone

from midas.accounts.synthetic import is_synthetic_email

MET, MISSED, IN_PROGRESS, NO_DATA, NEEDS_ANALYTICS = (
    "met",
    "missed",
    "in progress",
    "no data",
    "needs analytics",
)
DAY = dt.timedelta(days=1)
REVENUE_TARGET = {"USD": 5_000_000}  # $50,000 in minor units; per currency, no FX


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
    target: str
    measure: Callable[[ReportWindow], tuple[str, str, str]] | None  # None: needs analytics


@dataclass
class Report:
    start: dt.datetime
    end: dt.datetime
    rows: list[MetricRow]
    notes: list[str] = field(default_factory=list)

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
            "notes": self.notes,
        }


METRICS: list[Metric] = []


def metric(key: str, group: str, label: str, target: str) -> Callable:
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


needs_analytics("conversion", "technical", "Conversion (visitor to booking)", "> 2%")
needs_analytics("mobile_load", "technical", "Page load on mobile", "< 3 s")


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


@metric("revenue", "business", "Revenue, first month", "$50,000+ (USD; no FX)")
def revenue(window: ReportWindow) -> tuple[str, str, str]:
    from django.db.models import Sum

    from midas.money import format_money
    from midas.payments.models import Payment, PaymentKind, PaymentStatus

    start, end, over = _period(window, 30 * DAY)
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
            by_currency[row["currency"].upper()] = (
                by_currency.get(row["currency"].upper(), 0) + row["total"]
            )
    if not by_currency:
        return "0", IN_PROGRESS if not over else MISSED, "no payments captured"
    value = ", ".join(
        format_money(v, c, always_fraction=True) for c, v in sorted(by_currency.items())
    )
    usd = by_currency.get("USD", 0)
    verdict = _counted(usd, REVENUE_TARGET["USD"], over)
    others = [c for c in by_currency if c != "USD"]
    detail = "gross captured (charges and deposit captures)"
    if others:
        detail += f"; {', '.join(others)} not converted: the target is judged on USD only"
    return value, verdict, detail


@metric("satisfaction", "business", "Customer satisfaction", "> 4.5 / 5")
def satisfaction(window: ReportWindow) -> tuple[str, str, str]:
    from django.db.models import Avg, Count

    from midas.launch.models import Feedback

    agg = Feedback.objects.filter(
        created_at__gte=window.start, created_at__lt=window.end
    ).aggregate(n=Count("pk"), avg=Avg("rating"))
    if not agg["n"]:
        return "-", NEEDS_ANALYTICS, "no beta feedback ratings in the window"
    return (
        f"{agg['avg']:.2f} / 5",
        MET if agg["avg"] > 4.5 else MISSED,
        f"{agg['n']} beta feedback rating(s)",
    )


needs_analytics("support", "business", "Support tickets", "< 5% of users")

# --- user experience: no first-party analytics yet ------------------------------------------

needs_analytics("bounce", "experience", "Bounce rate (home page)", "< 40%")
needs_analytics("session", "experience", "Session duration", "> 3 min average")
needs_analytics("pages", "experience", "Pages per session", "> 4 average")
needs_analytics("mobile", "experience", "Mobile share of traffic", "> 50%")
needs_analytics("return", "experience", "Return visitors, first week", "> 20%")


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
    rows = []
    for entry in METRICS:
        if entry.measure is None:
            value, verdict, detail = "-", NEEDS_ANALYTICS, "no first-party analytics yet"
            if entry.key == "support":
                detail = "no support tickets are recorded in Midas yet"
        else:
            value, verdict, detail = entry.measure(window)
        rows.append(
            MetricRow(entry.key, entry.group, entry.label, value, entry.target, verdict, detail)
        )
    notes.append("Smoke-test accounts, their bookings and payments are left out.")
    return Report(start=start, end=end, rows=rows, notes=notes)
