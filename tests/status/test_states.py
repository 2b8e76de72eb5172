"""Component states from probe data, maintenance and staff overrides; the overall banner."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from django.utils import timezone

from midas.ops.health.base import Observation
from midas.status import health, selectors, services
from midas.status.models import Component

from .conftest import FakeProbe

pytestmark = pytest.mark.django_db


def states(now=None) -> dict[str, tuple[str, str]]:
    now = now or timezone.now()
    return {v.component.key: (v.status, v.source) for v in selectors.component_states(now=now)}


def test_from_probes(fake_probes):
    now = timezone.now()
    fake_probes.latest["website"] = FakeProbe(ok=True, at=now - dt.timedelta(seconds=30))
    fake_probes.latest["booking"] = FakeProbe(ok=False, at=now - dt.timedelta(seconds=30))
    fake_probes.latest["payments"] = FakeProbe(
        ok=True, at=now - dt.timedelta(seconds=30), latency_ms=4000
    )
    fake_probes.latest["email"] = FakeProbe(ok=False, at=now - dt.timedelta(hours=1))  # stale
    got = states(now)
    assert got["website"] == ("operational", "probe")
    assert got["booking"] == ("major_outage", "probe")
    assert got["payments"] == ("degraded_performance", "probe")
    assert got["email"] == ("operational", "no_data")
    assert got["api"] == ("operational", "no_data")


def test_override_wins_until_it_expires(fake_probes):
    now = timezone.now()
    fake_probes.latest["booking"] = FakeProbe(ok=False, at=now)
    booking = Component.objects.get(key="booking")
    services.component_override_set(
        component=booking,
        status="degraded_performance",
        note="Only requests to book are slow.",
        expires_at=now + dt.timedelta(minutes=30),
    )
    assert states(now)["booking"] == ("degraded_performance", "override")
    later = now + dt.timedelta(minutes=31)
    fake_probes.latest["booking"] = FakeProbe(ok=False, at=later)
    assert states(later)["booking"] == ("major_outage", "probe")


def test_maintenance_in_progress():
    now = timezone.now()
    services.maintenance_schedule(
        title="Mail relay move",
        starts_at=now - dt.timedelta(minutes=5),
        ends_at=now + dt.timedelta(minutes=55),
        components=["email"],
    )
    got = states(now)
    assert got["email"] == ("under_maintenance", "maintenance")
    assert got["website"][0] == "operational"


def test_overall_indicator_takes_the_worst(fake_probes):
    now = timezone.now()
    views = selectors.component_states(now=now)
    assert selectors.overall_status(views, []) == {
        "indicator": "none",
        "description": "All Systems Operational",
    }
    fake_probes.latest["api"] = FakeProbe(ok=False, at=now)
    views = selectors.component_states(now=now)
    assert selectors.overall_status(views, [])["indicator"] == "critical"


def test_an_open_incident_without_components_says_there_is_one_not_an_outage():
    now = timezone.now()
    incident = services.incident_open(title="Emails late", body="Queued.", impact="critical")
    views = selectors.component_states(now=now)
    assert {v.status for v in views} == {"operational"}
    assert selectors.overall_status(views, [incident]) == {
        "indicator": "minor",
        "description": "Investigating an Incident",
    }


@pytest.mark.parametrize(
    ("impact", "state", "indicator", "description"),
    [
        ("minor", "degraded_performance", "minor", "Minor Service Outage"),
        ("major", "partial_outage", "major", "Partial System Outage"),
        ("critical", "major_outage", "critical", "Major System Outage"),
    ],
)
def test_an_open_public_incident_sets_its_components_and_the_headline_follows(
    fake_probes, impact, state, indicator, description
):
    now = timezone.now()
    fake_probes.latest["payments"] = FakeProbe(ok=True, at=now)
    incident = services.incident_open(
        title="Card payments failing", body="Looking.", impact=impact, components=["payments"]
    )
    overview = selectors.status_overview(now=now)
    got = {v.component.key: (v.status, v.source) for v in overview.components}
    assert got["payments"] == (state, "incident")
    assert {s for k, (s, _) in got.items() if k != "payments"} == {"operational"}
    assert overview.overall == {"indicator": indicator, "description": description}
    services.incident_resolve(incident=incident)
    overview = selectors.status_overview(now=now)
    assert {v.status for v in overview.components} == {"operational"}
    assert overview.overall["description"] == "All Systems Operational"


def test_a_worse_probe_wins_over_an_incident(fake_probes):
    now = timezone.now()
    fake_probes.latest["booking"] = FakeProbe(ok=False, at=now)
    services.incident_open(title="Slow", body="Looking.", impact="minor", components=["booking"])
    assert states(now)["booking"] == ("major_outage", "probe")


def test_a_staff_only_incident_changes_nothing_public(fake_probes):
    now = timezone.now()
    services.incident_open(
        title="Review: lockouts",
        body="Looking.",
        impact="critical",
        components=["website"],
        public=False,
    )
    overview = selectors.status_overview(now=now)
    assert overview.open_incidents == []
    assert {v.status for v in overview.components} == {"operational"}
    assert overview.overall == {"indicator": "none", "description": "All Systems Operational"}


def test_bars_from_probe_days(fake_probes):
    now = timezone.now()
    today = now.date()
    fake_probes.set_day("website", today, up=1440)
    fake_probes.set_day("website", today - dt.timedelta(days=1), up=1435, down=5)
    fake_probes.set_day("website", today - dt.timedelta(days=2), up=1400, down=40)
    view = next(v for v in selectors.component_states(now=now) if v.component.key == "website")
    assert len(view.bars) == 90
    assert [b.state for b in view.bars[-3:]] == ["major_outage", "partial_outage", "operational"]
    assert view.bars[0].state == "no_data"
    assert view.uptime == pytest.approx(1 - 45 / (3 * 1440))
    assert view.uptime_text == "98.96% over 90 days"


class FakeCheck:
    name = "fake:check"

    def __init__(self, status: str | Exception) -> None:
        self.status = status

    def observe(self):
        if isinstance(self.status, Exception):
            raise self.status
        return Observation(self.status, "3 waiting")


@pytest.mark.parametrize(
    ("checks", "expected"),
    [
        (["pass"], ("operational", "no_data")),
        (["warn"], ("degraded_performance", "health")),
        (["warn", "fail"], ("partial_outage", "health")),
        ([RuntimeError("broken check")], ("operational", "no_data")),
    ],
)
def test_email_from_its_health_checks(monkeypatch, checks, expected):
    monkeypatch.setattr(health, "_checks", lambda: {"email": [FakeCheck(c) for c in checks]})
    assert states()["email"] == expected


def test_a_worse_probe_wins_over_health(monkeypatch, fake_probes):
    now = timezone.now()
    fake_probes.latest["email"] = FakeProbe(ok=False, at=now)
    monkeypatch.setattr(health, "_checks", lambda: {"email": [FakeCheck("warn")]})
    assert states(now)["email"] == ("major_outage", "probe")


def test_health_database_error_propagates(monkeypatch):
    monkeypatch.setattr(health, "_checks", lambda: {"email": [FakeCheck(OperationalError("gone"))]})
    with pytest.raises(OperationalError):
        states()
