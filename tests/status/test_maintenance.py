"""Maintenance mode on the status page: while customers get the maintenance page (the
switch, or a planned window of the ops app in progress) every component is under
maintenance and the banner says so, whatever the probes met; planned windows are
announced beforehand, on the page and in summary.json."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import jsonschema
import pytest

from midas.ops.services import (
    maintenance_disable,
    maintenance_enable,
    maintenance_window_cancel,
    maintenance_window_schedule,
)
from midas.status import selectors, services
from tests.factories import NOW
from tests.pinned import pin_now

from .conftest import FakeProbe

pytestmark = pytest.mark.django_db
SCHEMA = json.loads((Path(__file__).parent / "summary_schema.json").read_text())
MIN = dt.timedelta(minutes=1)
COMPONENTS = ["website", "booking", "payments", "email", "api"]
MAINTENANCE = {"indicator": "maintenance", "description": "Service Under Maintenance"}


@pytest.fixture
def pinned(monkeypatch):
    return pin_now(monkeypatch, NOW)


@pytest.fixture
def failing_probes(fake_probes):
    """What the probes meet during maintenance, had they not known it: every page fails."""
    for key in COMPONENTS:
        fake_probes.latest[key] = FakeProbe(ok=False, at=NOW - dt.timedelta(seconds=20))
    return fake_probes


def plan(start_min: int, end_min: int, message: str = "Database upgrade"):
    return maintenance_window_schedule(
        starts_at=NOW + start_min * MIN, ends_at=NOW + end_min * MIN, message=message, now=NOW
    )


def test_a_window_in_progress_puts_every_component_under_maintenance(
    client, pinned, failing_probes
):
    window = plan(0, 30)
    views = selectors.component_states(now=NOW)
    assert {v.component.key: (v.status, v.source) for v in views} == {
        key: ("under_maintenance", "maintenance") for key in COMPONENTS
    }
    assert selectors.overall_status(views, []) == MAINTENANCE

    body = client.get("/status/summary.json").json()
    jsonschema.validate(body, SCHEMA)
    assert {c["status"] for c in body["components"]} == {"under_maintenance"}
    assert body["status"] == MAINTENANCE
    [announced] = body["scheduled_maintenances"]
    assert announced["id"] == f"mw{window.pk}" and announced["status"] == "in_progress"
    assert announced["scheduled_until"] == "2027-01-04T12:30:00Z"
    assert announced["incident_updates"][0]["body"] == "Database upgrade"
    assert [c["id"] for c in announced["components"]] == COMPONENTS

    html = client.get("/status").content.decode()
    assert "Service Under Maintenance" in html and "Major System Outage" not in html
    assert "Maintenance in progress" in html and "Database upgrade" in html
    assert html.count("Under maintenance") == len(COMPONENTS)


def test_the_switch_puts_every_component_under_maintenance(client, pinned, failing_probes):
    maintenance_enable(message="Back soon")
    body = client.get("/status/summary.json").json()
    jsonschema.validate(body, SCHEMA)
    assert {c["status"] for c in body["components"]} == {"under_maintenance"}
    assert body["status"] == MAINTENANCE
    assert body["scheduled_maintenances"] == []  # switched on by hand: nothing was planned
    maintenance_disable()
    body = client.get("/status/summary.json").json()
    assert body["status"]["indicator"] == "critical"  # the probes speak again


def test_an_upcoming_window_is_announced_not_yet_maintenance(client, pinned, fake_probes):
    for key in COMPONENTS:
        fake_probes.latest[key] = FakeProbe(ok=True, at=NOW)
    window = plan(24 * 60, 24 * 60 + 90, "Moving to a new database server")
    services.maintenance_schedule(
        title="Mail relay move",
        starts_at=NOW + 60 * MIN,
        ends_at=NOW + 120 * MIN,
        components=["email"],
    )
    body = client.get("/status/summary.json").json()
    jsonschema.validate(body, SCHEMA)
    assert body["status"]["indicator"] == "none"
    assert {c["status"] for c in body["components"]} == {"operational"}
    assert [(m["name"], m["status"]) for m in body["scheduled_maintenances"]] == [
        ("Mail relay move", "scheduled"),  # by start: the status app's own first
        ("Planned maintenance of the whole site", "scheduled"),
    ]
    html = client.get("/status").content.decode()
    assert f'id="maintenance-w{window.pk}"' in html
    assert "Scheduled maintenance: Planned maintenance of the whole site" in html
    assert "Moving to a new database server" in html

    maintenance_window_cancel(window_id=window.pk)
    body = client.get("/status/summary.json").json()
    assert [m["name"] for m in body["scheduled_maintenances"]] == ["Mail relay move"]


def test_an_open_incident_still_raises_the_banner(pinned, failing_probes):
    plan(0, 30)
    incident = services.incident_open(
        title="Card payments failing", body="Looking.", impact="critical", at=NOW
    )
    views = selectors.component_states(now=NOW)
    # every component is under maintenance: the headline says there is an incident, never
    # an outage the components do not show
    assert selectors.overall_status(views, [incident]) == {
        "indicator": "minor",
        "description": "Investigating an Incident",
    }


def test_a_probe_that_met_maintenance_reads_as_maintenance(pinned, fake_probes):
    """Just after a window ends, until the next probe, the newest result is the last one
    that met the maintenance page: under maintenance, not an outage."""
    probe = FakeProbe(ok=False, at=NOW - dt.timedelta(seconds=30))
    probe.maintenance = True  # type: ignore[attr-defined]
    fake_probes.latest["website"] = probe
    views = {v.component.key: v for v in selectors.component_states(now=NOW)}
    assert views["website"].status == "under_maintenance"
    assert views["website"].source == "probe"


def test_the_page_reads_a_fixed_number_of_queries(
    client, pinned, failing_probes, django_assert_num_queries
):
    plan(0, 30)
    plan(60, 90)
    plan(120, 150)
    # the windows, maintenance's components, components, incidents (2), maintenance
    with django_assert_num_queries(6):
        assert client.get("/status").status_code == 200
