"""``midas launch report`` and ``/metrics`` read the same figures as the dashboard: the
scripted day's hand count (tests/insights/scenario.py)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import call_command

from tests.insights.scenario import D, at, play

pytestmark = pytest.mark.django_db
# The launch's tests: deselected with the launch uninstalled (tests/conftest.py), run in
# CI's launch pass (-m launch) — never skipped.
launch_only = pytest.mark.launch


@pytest.fixture
def played(monkeypatch):
    return play(monkeypatch)


@launch_only
def test_the_launch_report_fills_every_success_metric_from_insights(played):
    from midas.launch.gonogo.report import NEEDS_ANALYTICS, launch_report

    report = launch_report(start=at(D, 0), end=at(D + dt.timedelta(days=1), 0))
    got = {r.key: r for r in report.rows}
    assert not [k for k, r in got.items() if r.verdict == NEEDS_ANALYTICS]
    expected = {
        "conversion": ("20.00%", "met"),
        "mobile_load": ("2.00 s", "met"),
        "bounce": ("66.7%", "missed"),
        "session": ("4 min 00 s", "met"),
        "pages": ("1.83", "missed"),
        "mobile": ("40.0%", "missed"),
        "return": ("33.3%", "met"),
        "registrations": ("2", "missed"),
        "bookings": ("1", "in progress"),  # its week is not over
        "support": ("0.0%", "met"),
    }
    assert {k: (got[k].value, got[k].verdict) for k in expected} == expected
    assert got["bounce"].detail == "01 Mar 2027 (UTC days, first-party analytics)"


@launch_only
def test_the_launch_report_counts_the_days_tickets_and_ratings(played, monkeypatch):
    from midas.launch.gonogo.report import launch_report
    from tests.insights.test_metrics import support_day

    support_day(played, monkeypatch)
    report = launch_report(start=at(D, 0), end=at(D + dt.timedelta(days=1), 0))
    got = {r.key: (r.value, r.verdict) for r in report.rows}
    assert got["support"] == ("20.0%", "missed")  # 1 ticket of 5 visitors
    assert got["satisfaction"] == ("4.50", "missed")  # (4 + 5) / 2, not above 4.5


@launch_only
def test_the_report_command_says_it(played, capsys):
    call_command(
        "launch", "report", "--from", at(D, 0).isoformat(), "--to", at(D, 23).isoformat(), "--json"
    )
    body = json.loads(capsys.readouterr().out)
    by_key = {m["key"]: m for m in body["metrics"]}
    assert (by_key["bounce"]["value"], by_key["bounce"]["verdict"]) == ("66.7%", "missed")


def test_headline_gauges_on_the_metrics_endpoint(played, client, settings):
    settings.METRICS_TOKEN = ""
    text = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    # the clock stands at D+4 09:00: the last 7 days hold D-1 (1 visitor), D (5) and ana's
    # return on D+3 (1): 7 visitors, 8 sessions, 1 paid booking
    assert "midas_insights_visitors 7.0" in text
    assert "midas_insights_sessions 8.0" in text
    assert f"midas_insights_conversion_ratio {1 / 7}" in text
    assert "midas_insights_bounce_ratio 0.625" in text
    assert "midas_insights_mobile_load_seconds 2.0" in text
    booking = played["booking"]
    assert f'midas_insights_revenue_minor{{currency="USD"}} {float(booking.total_minor)}' in text


@launch_only
def test_the_go_no_go_shows_the_soft_launch_visitors_and_judges_on_enough_sessions(
    played, monkeypatch
):
    from midas.launch.gonogo import visitors
    from midas.launch.gonogo.selectors import gonogo_evaluate, owner_of

    shown = visitors.visitors_result(at(D, 23))  # the last 24 h: D-1 15:00 to D 23:00
    assert shown.ok and shown.value == (
        "7 sessions; conversion rate 16.67%, page load on mobile 2.00 s"
    )
    assert shown.detail.startswith("fewer than 100 sessions: shown, not judged")
    assert "Bounce rate: 57.1% (target < 40%)" in shown.items
    monkeypatch.setattr(visitors, "VISITORS_MIN_SESSIONS", 5)
    judged = visitors.visitors_result(at(D, 23))
    assert judged.ok and judged.detail.startswith("both met")
    from midas.bookings.models import Booking

    Booking.objects.update(confirmed_at=None)  # no paid booking: conversion 0 %
    missed = visitors.visitors_result(at(D, 23))
    assert not missed.ok and missed.detail == "Conversion rate 0.00%"
    assert owner_of("visitors") == "marketing"
    evaluation = gonogo_evaluate(now=at(D, 23))
    assert "visitors" in [c.key for c in evaluation.criteria]
    assert any(r.startswith("Soft-launch visitors") for r in evaluation.reasons)
