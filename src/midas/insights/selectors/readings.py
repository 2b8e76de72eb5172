"""What the metrics read for one period: the day rollups' sums (``totals_of``), the
return-visitor days, and the domain's records (registrations, bookings, captured payments,
the concierge's support figures). No raw page view is read."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet, Sum

from midas.insights.models import DailyReturner, DailyStat
from midas.insights.selectors.period import Period

RETURN_WITHIN = dt.timedelta(days=7)


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
    support: dict | None  # the concierge's figures (tickets, first response, ratings)


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


def support_of(period: Period) -> dict:
    """The concierge's figures (``concierge.selectors.support_figures``): tickets opened,
    the first-response average, the "how did we do" scores and the reviews."""
    from midas.concierge.selectors import support_figures

    got = support_figures(start=period.start_at, end=period.end_at)
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
