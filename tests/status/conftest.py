from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from midas.status import probes


@dataclass
class FakeProbe:
    ok: bool
    at: dt.datetime
    latency_ms: float = 120.0


class FakeProbes:
    """Stands in for midas.slo's probe history: per component, day rows and a latest probe."""

    def __init__(self) -> None:
        self.days: dict[str, dict[dt.date, probes.DayUptime]] = {}
        self.latest: dict[str, FakeProbe] = {}

    def set_day(self, component: str, date: dt.date, up=0, down=0, degraded=0) -> None:
        self.days.setdefault(component, {})[date] = probes.DayUptime(
            date, up, down, degraded, up + down + degraded == 0
        )

    def probe_days(self, component, *, days=90, now=None):
        today = (now or dt.datetime.now(dt.UTC)).date()
        rows = []
        for offset in range(days - 1, -1, -1):
            date = today - dt.timedelta(days=offset)
            rows.append(
                self.days.get(component, {}).get(date) or probes.DayUptime(date, 0, 0, 0, True)
            )
        return rows

    def latest_probe(self, component):
        return self.latest.get(component)


@pytest.fixture(autouse=True)
def fake_probes(monkeypatch) -> FakeProbes:
    fake = FakeProbes()
    monkeypatch.setattr(probes, "probe_days", fake.probe_days)
    monkeypatch.setattr(probes, "latest_probe", fake.latest_probe)
    return fake


@pytest.fixture(autouse=True)
def status_var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.SITE_URL = "https://midas.test"
    return tmp_path
