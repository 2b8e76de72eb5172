"""The adapter to the SLO engine's probe history (the real module is stubbed here)."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.cache import cache

from midas.status import probes

NOW = dt.datetime(2027, 1, 4, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def real_probe_days(monkeypatch):
    """Undo the autouse fake for this module: use the adapter itself over a counting stub."""
    monkeypatch.undo()
    calls = []

    def probe_days(component, days=90, now=None):
        calls.append((component, days, now))
        return [probes.DayUptime(now.date(), 1440, 0, 0, False)]

    stub = SimpleNamespace(probe_days=probe_days, latest_probe=lambda component: "probe")
    monkeypatch.setattr(probes, "_slo", lambda: stub)
    cache.clear()
    yield calls
    cache.clear()


def test_day_rows_are_cached_per_component_and_day(real_probe_days):
    first = probes.probe_days("website", days=90, now=NOW)
    again = probes.probe_days("website", days=90, now=NOW + dt.timedelta(minutes=1))
    assert first == again == [probes.DayUptime(NOW.date(), 1440, 0, 0, False)]
    assert len(real_probe_days) == 1
    probes.probe_days("booking", days=90, now=NOW)
    probes.probe_days("website", days=90, now=NOW + dt.timedelta(days=1))
    assert len(real_probe_days) == 3
    assert probes.latest_probe("website") == "probe"  # never cached


def test_without_the_slo_engine_every_day_is_no_data(monkeypatch):
    monkeypatch.undo()  # the adapter itself, not the autouse fake
    monkeypatch.setattr(probes, "_slo", lambda: None)
    rows = probes.probe_days("website", days=90, now=NOW)
    assert len(rows) == 90 and all(r.no_data for r in rows)
    assert (rows[0].date, rows[-1].date) == (NOW.date() - dt.timedelta(days=89), NOW.date())
    assert probes.latest_probe("website") is None
