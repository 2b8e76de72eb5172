"""The console's incidents page: escalation state, acknowledge, triggers and firings."""

from __future__ import annotations

import pytest

from midas.launch.models import Escalation, TriggerFiring
from midas.launch.response.escalation import escalation_start
from midas.status.services import incident_open

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def team(settings):
    settings.LAUNCH_TEAM_EMAIL = []
    settings.SLACK_WEBHOOK_URL = ""


def an_incident(title="Search down"):
    incident = incident_open(title=title, body="Looking", impact="major")
    escalation_start(incident=incident)
    return incident


def test_the_page_shows_incidents_triggers_and_firings(client, operator):
    incident = an_incident()
    TriggerFiring.objects.create(
        trigger="integrity", fired_at=incident.started_at, action="recommend", incident=incident
    )
    client.force_login(operator)
    page = client.get("/ops/launch/incidents")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Search down" in html and "Acknowledge</button>" in html
    for key in ("downtime", "error_rate", "security", "integrity"):
        assert f"({key})" in html
    assert "firing</strong>" in html and "all checks pass" in html
    assert 'href="/ops/launch/incidents"' in client.get("/ops/launch/").content.decode()


def test_acknowledge_from_the_console(client, operator):
    incident = an_incident()
    client.force_login(operator)
    response = client.post(f"/ops/launch/incidents/{incident.pk}/ack")
    assert response.status_code == 302
    assert Escalation.objects.get().acknowledged_by == operator
    html = client.get("/ops/launch/incidents").content.decode()
    assert operator.email in html and "Acknowledge</button>" not in html
    again = client.post(f"/ops/launch/incidents/{incident.pk}/ack")
    assert again.status_code == 409 and "already acknowledged" in again.content.decode()


def test_executives_see_but_may_not_acknowledge(client, executive):
    incident = an_incident()
    client.force_login(executive)
    page = client.get("/ops/launch/incidents").content.decode()
    assert "Search down" in page and "Acknowledge</button>" not in page
    assert client.post(f"/ops/launch/incidents/{incident.pk}/ack").status_code == 403
    assert Escalation.objects.get().acknowledged_at is None


def test_unknown_incident_and_get_are_refused(client, operator):
    client.force_login(operator)
    assert client.post("/ops/launch/incidents/999/ack").status_code == 404
    assert client.get("/ops/launch/incidents/1/ack").status_code == 405


def test_open_and_resolve_from_the_console(client, operator):
    from midas.status.models import Incident

    client.force_login(operator)
    page = client.get("/ops/launch/incidents").content.decode()
    assert 'name="components" value="payments"' in page
    bad = client.post("/ops/launch/incidents/open", {"title": "", "body": "x", "impact": "major"})
    assert bad.status_code == 400 and not Incident.objects.exists()
    response = client.post(
        "/ops/launch/incidents/open",
        {"title": "Card payments failing", "body": "We are on it", "impact": "critical",
         "components": ["payments"]},
    )  # fmt: skip
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert sorted(incident.escalation.notices.values_list("level", flat=True)) == [1, 3]
    empty = client.post(f"/ops/launch/incidents/{incident.pk}/resolve", {"body": ""})
    assert empty.status_code == 400
    incident.refresh_from_db()
    assert incident.status != "resolved"
    done = client.post(f"/ops/launch/incidents/{incident.pk}/resolve", {"body": "Provider ok"})
    assert done.status_code == 302
    incident.refresh_from_db()
    assert incident.status == "resolved"
    again = client.post(f"/ops/launch/incidents/{incident.pk}/resolve", {"body": "again"})
    assert again.status_code == 409


def test_executives_may_not_open_or_resolve(client, executive):
    incident = an_incident()
    client.force_login(executive)
    data = {"title": "x", "body": "y", "impact": "minor"}
    assert client.post("/ops/launch/incidents/open", data).status_code == 403
    assert (
        client.post(f"/ops/launch/incidents/{incident.pk}/resolve", {"body": "z"}).status_code
        == 403
    )
