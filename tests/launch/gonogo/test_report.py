"""The launch report: figures from real SLO rows, accounts, bookings, payments and feedback;
smoke-test accounts left out; the visitor metrics from the first-party analytics (their hand
count: tests/insights/test_launch.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from midas.errors import AppError, ErrorCode
from midas.launch.gonogo.report import METRICS, NEEDS_ANALYTICS, launch_report
from midas.launch.models import Feedback
from midas.payments.models import Payment, PaymentKind, PaymentStatus
from tests.factories import make_asset, make_city, make_driver, make_paid_booking
from tests.launch.gonogo.test_criteria import SOFT_LAUNCH, T0, set_launch_day
from tests.slo.conftest import add_minute, add_probe

pytestmark = pytest.mark.django_db

DAY = dt.timedelta(days=1)


def rows(report) -> dict:
    return {r.key: r for r in report.rows}


def joined(at: dt.datetime, email: str = "", **kw):
    return make_driver(date_joined=at, **({"email": email} if email else {}), **kw)


def test_default_window_is_launch_day_06_00_local_to_now():
    set_launch_day()
    report = launch_report(now=T0)
    assert (report.start, report.end) == (SOFT_LAUNCH, T0)
    assert [r.key for r in report.rows] == [m.key for m in METRICS]
    no_day = launch_report(now=T0 + DAY)  # the launch day is kept
    assert no_day.start == SOFT_LAUNCH


def test_without_a_launch_day_the_window_is_the_last_24_hours():
    report = launch_report(now=T0)
    assert report.start == T0 - DAY
    assert report.notes[0] == "launch day not set: the window is the last 24 h"


def test_a_window_ending_before_it_starts_is_refused():
    with pytest.raises(AppError) as refused:
        launch_report(start=T0, end=T0 - DAY)
    assert refused.value.code == ErrorCode.INVALID_RANGE


def test_slo_metrics_from_the_engine():
    add_minute(T0 - dt.timedelta(minutes=5), le_1000=999, errors=1)  # avg 1 s, 0.1 % errors
    add_probe(T0 - dt.timedelta(minutes=5))
    add_probe(T0 - dt.timedelta(minutes=4), ok=False)
    got = rows(launch_report(start=SOFT_LAUNCH, end=T0))
    assert (got["uptime"].value, got["uptime"].verdict) == ("50.000%", "missed")
    assert (got["avg_response"].value, got["avg_response"].verdict) == ("1.00 s", "met")
    assert (got["error_rate"].value, got["error_rate"].verdict) == ("0.100%", "missed")
    empty = rows(launch_report(start=T0, end=T0 + dt.timedelta(hours=1)))
    assert {empty[k].verdict for k in ("uptime", "avg_response", "error_rate")} == {"no data"}


def test_registrations_in_the_first_24_hours_leave_out_smoke_and_staff():
    for hours in (1, 5, 23):
        joined(SOFT_LAUNCH + dt.timedelta(hours=hours))
    joined(SOFT_LAUNCH + dt.timedelta(hours=2), email="smoke+r1@example.com")
    joined(SOFT_LAUNCH + dt.timedelta(hours=2), is_staff=True)
    joined(SOFT_LAUNCH - dt.timedelta(hours=1))  # before launch
    joined(SOFT_LAUNCH + dt.timedelta(hours=25))  # after the first 24 h
    during = rows(launch_report(start=SOFT_LAUNCH, end=SOFT_LAUNCH + dt.timedelta(hours=6)))
    assert (during["registrations"].value, during["registrations"].verdict) == ("2", "in progress")
    assert during["registrations"].detail == "1 smoke-test account(s) left out"
    after = rows(launch_report(start=SOFT_LAUNCH, end=SOFT_LAUNCH + 2 * DAY))
    assert (after["registrations"].value, after["registrations"].verdict) == ("3", "missed")
    assert after["registrations"].detail == (
        "1 smoke-test account(s) left out; 4 in the whole window"
    )


def test_bookings_and_revenue_leave_out_smoke_bookings():
    asset = make_asset()
    make_paid_booking(asset=asset, now=T0)
    make_paid_booking(asset=asset, now=T0, days_ahead=20)
    make_paid_booking(
        asset=asset, now=T0, days_ahead=30, customer=make_driver(email="smoke+r2@example.com")
    )
    Payment.objects.update(created_at=T0)  # when the money was captured
    real = Payment.objects.filter(kind=PaymentKind.CHARGE, status=PaymentStatus.SUCCEEDED).exclude(
        booking__customer__email__startswith="smoke+"
    )
    expected_minor = sum(p.amount_minor for p in real)
    got = rows(launch_report(start=SOFT_LAUNCH, end=T0 + dt.timedelta(hours=1)))
    assert (got["bookings"].value, got["bookings"].verdict) == ("2", "in progress")
    assert got["revenue"].verdict == "in progress"
    major, minor = divmod(expected_minor, 100)
    assert got["revenue"].value == f"USD {major:,}.{minor:02d}"
    week_later = rows(launch_report(start=SOFT_LAUNCH, end=SOFT_LAUNCH + 8 * DAY))
    assert week_later["bookings"].verdict == "missed"  # 2 of 10 in the first week


def test_revenue_counts_every_currency_converted_at_the_stated_rate(settings):
    settings.LAUNCH_REPORT_CURRENCY, settings.LAUNCH_FX_RATES = "USD", {"AED": "0.2723"}
    make_paid_booking(asset=make_asset(location=make_city("dubai")), now=T0)
    Payment.objects.update(created_at=T0)
    aed = Payment.objects.get(kind=PaymentKind.CHARGE, status=PaymentStatus.SUCCEEDED)
    assert aed.currency.upper() == "AED"
    revenue = rows(launch_report(start=SOFT_LAUNCH, end=T0 + DAY))["revenue"]
    usd = (aed.amount_minor * 2723 + 5000) // 10000  # 1 AED = 0.2723 USD, cents
    assert revenue.value.startswith("AED ") and revenue.value.endswith(
        f"; total USD {usd // 100:,}.{usd % 100:02d}"
    )
    assert "at 1 AED = 0.2723 USD, set in LAUNCH_FX_RATES" in revenue.detail
    assert revenue.target == "USD 50,000+ (every currency in USD)"
    assert revenue.verdict == "in progress"  # below the target; the month is not over


def test_revenue_in_two_currencies_meets_the_target_only_together(settings):
    settings.LAUNCH_REPORT_CURRENCY, settings.LAUNCH_FX_RATES = "USD", {"AED": "0.2723"}
    for currency, minor in (("USD", 3_000_000), ("AED", 7_345_000)):  # $30,000 + AED 73,450
        make_paid_booking(asset=make_asset(), now=T0)
        latest = Payment.objects.filter(kind=PaymentKind.CHARGE).order_by("-pk").first()
        Payment.objects.filter(pk=latest.pk).update(currency=currency, amount_minor=minor)
    Payment.objects.update(created_at=T0)
    revenue = rows(launch_report(start=SOFT_LAUNCH, end=T0 + DAY))["revenue"]
    # AED 73,450 x 0.2723 = USD 20,000.435 -> 20,000.44 (half to even on the cent): $50,000.44
    assert revenue.value == "AED 73,450.00, USD 30,000.00; total USD 50,000.44"
    assert revenue.verdict == "met"
    report = launch_report(start=SOFT_LAUNCH, end=T0 + DAY)
    assert report.as_json()["revenue"] == {
        "currency": "USD",
        "by_currency": {"AED": 7_345_000, "USD": 3_000_000},
        "total_minor": 5_000_044,
        "rates": {"AED": "0.2723"},
        "unconverted": [],
    }
    assert "Revenue in USD at 1 AED = 0.2723 USD, set in LAUNCH_FX_RATES." in report.notes
    settings.LAUNCH_FX_RATES = {}
    without_rate = rows(launch_report(start=SOFT_LAUNCH, end=T0 + DAY))["revenue"]
    assert without_rate.value == "AED 73,450.00, USD 30,000.00; total USD 30,000.00"
    assert "AED left out of the total: no rate into USD in LAUNCH_FX_RATES" in without_rate.detail
    assert without_rate.verdict == "in progress"


def test_revenue_in_another_report_currency_converts_the_target_too(settings):
    settings.LAUNCH_REPORT_CURRENCY = "AED"
    settings.LAUNCH_FX_RATES = {"USD": "3.6725"}
    make_paid_booking(asset=make_asset(location=make_city("dubai")), now=T0)
    Payment.objects.update(created_at=T0)
    revenue = rows(launch_report(start=SOFT_LAUNCH, end=T0 + DAY))["revenue"]
    assert revenue.target == "AED 183,625+ (every currency in AED)"
    assert "set in LAUNCH_FX_RATES" not in revenue.detail  # only AED: nothing converted
    settings.LAUNCH_FX_RATES = {}
    unjudged = rows(launch_report(start=SOFT_LAUNCH, end=T0 + DAY))["revenue"]
    assert unjudged.verdict == "no data"
    assert unjudged.target == "$50,000+ (no USD rate into AED)"


def test_satisfaction_from_beta_feedback_else_from_insights():
    report = rows(launch_report(start=SOFT_LAUNCH, end=T0))
    assert report["satisfaction"].verdict == "no data"
    assert report["satisfaction"].detail.startswith("no beta feedback ratings in the window; ")
    user = make_driver()
    for rating in (5, 5, 4):
        Feedback.objects.create(user=user, rating=rating, path="/")
    Feedback.objects.update(created_at=T0 - dt.timedelta(minutes=30))
    satisfaction = rows(launch_report(start=SOFT_LAUNCH, end=T0))["satisfaction"]
    assert (satisfaction.value, satisfaction.verdict) == ("4.67 / 5", "met")


def test_the_report_reads_as_one_line():
    add_minute(T0 - dt.timedelta(minutes=5), le_100=10)
    line = str(launch_report(start=SOFT_LAUNCH, end=T0))
    assert line.startswith("2027-01-04 11:00 → 2027-01-04 12:00: uptime no data no data; ")
    assert "avg_response 0.10 s met" in line and "bounce - no data" in line


def test_nothing_needs_analytics_any_more_the_visitor_metrics_come_from_insights():
    got = rows(launch_report(start=SOFT_LAUNCH, end=T0))
    assert not [k for k, r in got.items() if r.verdict == NEEDS_ANALYTICS]
    assert {k for k, r in got.items() if "first-party analytics" in r.detail} == {
        "conversion",
        "mobile_load",
        "satisfaction",
        "support",
        "bounce",
        "session",
        "pages",
        "mobile",
        "return",
    }


def test_command_prints_and_answers_json(capsys):
    add_minute(T0 - dt.timedelta(minutes=5), le_100=10)
    call_command("launch", "report", "--from", SOFT_LAUNCH.isoformat(), "--to", T0.isoformat())
    out = capsys.readouterr().out
    assert "Launch report 2027-01-04 11:00 → 2027-01-04 12:00 UTC" in out
    assert "Bounce rate" in out and "needs analytics" not in out
    call_command("launch", "report", "--from", "2027-01-04T11:00", "--to", T0.isoformat(), "--json")
    body = json.loads(capsys.readouterr().out)
    assert body["start"] == SOFT_LAUNCH.isoformat()  # a naive time is UTC
    assert {m["key"]: m["verdict"] for m in body["metrics"]}["avg_response"] == "met"
    with pytest.raises(SystemExit) as refused:
        call_command("launch", "report", "--from", T0.isoformat(), "--to", "2027-01-01")
    assert refused.value.code == 2


def test_before_launch_day_the_window_is_the_last_24_hours():
    set_launch_day()
    report = launch_report(now=SOFT_LAUNCH - DAY)
    assert report.start == SOFT_LAUNCH - 2 * DAY
    assert report.notes[0] == "launch day has not begun: the window is the last 24 h"
