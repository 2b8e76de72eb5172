"""The back office writes through the services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from midas.status import services
from midas.status.models import Component, Incident

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["component", "incident", "incidentupdate", "scheduledmaintenance"]
)
def test_changelists_and_add_pages_open(admin_client, name):
    assert admin_client.get(reverse(f"admin:status_{name}_changelist")).status_code == 200
    if name != "incidentupdate":
        assert admin_client.get(reverse(f"admin:status_{name}_add")).status_code == 200


def component_form(component: Component, **changes) -> dict:
    data = {
        "name": component.name,
        "description": component.description,
        "position": component.position,
        "override_status": "",
        "override_note": "",
        "override_expires_at_0": "",
        "override_expires_at_1": "",
    }
    data.update(changes)
    return data


def test_override_set_and_cleared_from_the_admin(admin_client):
    api = Component.objects.get(key="api")
    url = reverse("admin:status_component_change", args=[api.pk])
    response = admin_client.post(
        url, component_form(api, override_status="partial_outage", override_note="Timeouts.")
    )
    assert response.status_code == 302
    api.refresh_from_db()
    assert (api.override_status, api.override_note) == ("partial_outage", "Timeouts.")
    admin_client.post(url, component_form(api))
    api.refresh_from_db()
    assert api.override_status == "" and api.override_note == ""


def test_update_posted_from_the_incident_page_moves_the_status(admin_client):
    incident = services.incident_open(title="Emails late", body="Queued.")
    first = incident.updates.get()
    url = reverse("admin:status_incident_change", args=[incident.pk])
    started = incident.started_at
    data = {
        "title": incident.title,
        "impact": incident.impact,
        "started_at_0": started.strftime("%Y-%m-%d"),
        "started_at_1": started.strftime("%H:%M:%S"),
        "updates-TOTAL_FORMS": "2",
        "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": str(first.pk),
        "updates-0-incident": str(incident.pk),
        "updates-1-incident": str(incident.pk),
        "updates-1-status": "resolved",
        "updates-1-body": "Delivered.",
    }
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.status == "resolved" and incident.resolved_at is not None
    assert [u.body for u in incident.updates.all()] == ["Delivered.", "Queued."]
