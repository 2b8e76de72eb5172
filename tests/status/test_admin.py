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


def _change_form(incident: Incident, **changes) -> dict:
    started = incident.started_at
    data = {
        "title": incident.title,
        "impact": incident.impact,
        "started_at_0": started.strftime("%Y-%m-%d"),
        "started_at_1": started.strftime("%H:%M:%S"),
        "updates-TOTAL_FORMS": "1",
        "updates-INITIAL_FORMS": "1",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
        "updates-0-id": str(incident.updates.get().pk),
        "updates-0-incident": str(incident.pk),
    }
    data.update(changes)
    return data


def test_public_is_not_a_plain_field_on_an_incident(admin_client):
    """A staff-only incident becomes public on purpose (the action, with a reason), never by
    ticking a box on its page."""
    incident = services.incident_open(title="Odd refunds", body="Looking.", public=False)
    url = reverse("admin:status_incident_change", args=[incident.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="public"' not in page
    response = admin_client.post(url, _change_form(incident, public="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Incident.objects.get(pk=incident.pk).public is False
    add = admin_client.get(reverse("admin:status_incident_add")).content.decode()
    assert 'name="public"' in add  # a new incident may start staff only


def test_the_make_public_action_asks_why_then_goes_through_the_service(admin_client, caplog):
    incident = services.incident_open(title="Odd refunds", body="Looking.", public=False)
    already = services.incident_open(title="Emails late", body="Queued.")
    changelist = reverse("admin:status_incident_changelist")
    chosen = {"action": "make_public", "_selected_action": [str(incident.pk), str(already.pk)]}
    asked = admin_client.post(changelist, chosen)
    assert asked.status_code == 200
    assert "Why it goes public now" in asked.content.decode()
    assert Incident.objects.get(pk=incident.pk).public is False  # nothing yet
    no_reason = admin_client.post(changelist, {**chosen, "apply": "1", "reason": " "})
    assert no_reason.status_code == 200 and Incident.objects.get(pk=incident.pk).public is False
    with caplog.at_level("INFO", logger="midas.audit"):
        done = admin_client.post(
            changelist,
            {**chosen, "apply": "1", "reason": "refund errors confirmed by Stripe", "body": ""},
            follow=True,
        )
    text = done.content.decode()
    assert f"Made public: #{incident.pk}." in text
    assert f"#{already.pk}: Incident #{already.pk} is already public." in text
    incident = Incident.objects.get(pk=incident.pk)
    assert incident.public is True and incident.title == "Odd refunds"
    assert incident.updates.first().body == services.MADE_PUBLIC_BODY
    line = next(r for r in caplog.records if r.getMessage().startswith("status.incident.made_"))
    assert "refund errors confirmed by Stripe" in line.getMessage()
    assert "via=admin" in line.getMessage()


def test_make_public_is_refused_without_a_reason_or_when_resolved():
    from midas.errors import AppError

    incident = services.incident_open(title="Odd refunds", body="Looking.", public=False)
    with pytest.raises(AppError) as refused:
        services.incident_make_public(incident=incident, reason="", by="someone")
    assert refused.value.field == "reason"
    services.incident_resolve(incident=incident)
    with pytest.raises(AppError) as resolved:
        services.incident_make_public(incident=incident, reason="why", by="someone")
    assert resolved.value.code == "invalid_state"
    assert Incident.objects.get(pk=incident.pk).public is False
