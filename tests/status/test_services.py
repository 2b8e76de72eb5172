from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from midas.errors import AppError, ErrorCode
from midas.status import services
from midas.status.models import Component, Incident, IncidentStatus

pytestmark = pytest.mark.django_db


def test_five_components_seeded_in_order():
    assert [c.key for c in Component.objects.all()] == [
        "website",
        "booking",
        "payments",
        "email",
        "api",
    ]


def test_incident_lifecycle():
    t0 = timezone.now() - dt.timedelta(hours=2)
    incident = services.incident_open(
        title="Card payments failing",
        body="We are looking into declined payments.",
        impact="major",
        components=["payments", "booking"],
        at=t0,
    )
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.started_at == t0
    assert {c.key for c in incident.components.all()} == {"payments", "booking"}

    services.incident_update(
        incident=incident,
        status="identified",
        body="A provider outage.",
        at=t0 + dt.timedelta(minutes=10),
    )
    services.incident_update(
        incident=incident,
        status="monitoring",
        body="Fixed; watching.",
        at=t0 + dt.timedelta(minutes=30),
    )
    services.incident_resolve(incident=incident, at=t0 + dt.timedelta(minutes=60))

    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.monitoring_at == t0 + dt.timedelta(minutes=30)
    assert incident.resolved_at == t0 + dt.timedelta(minutes=60)
    assert [u.status for u in incident.updates.all()] == [
        "resolved",
        "monitoring",
        "identified",
        "investigating",
    ]
    with pytest.raises(AppError) as error:
        services.incident_update(incident=incident, status="monitoring", body="again")
    assert error.value.code == ErrorCode.INVALID_STATE
    assert incident.updates.count() == 4


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": "", "body": "x"}, "title"),
        ({"title": "t", "body": " "}, "body"),
        ({"title": "t", "body": "x", "impact": "huge"}, "impact"),
        ({"title": "t", "body": "x", "status": "resolved"}, "status"),
        ({"title": "t", "body": "x", "components": ["nope"]}, "components"),
    ],
)
def test_incident_open_refuses_bad_input_and_writes_nothing(kwargs, field):
    with pytest.raises(AppError) as error:
        services.incident_open(**kwargs)
    assert error.value.field == field
    assert not Incident.objects.exists()


def test_override_set_and_clear():
    website = Component.objects.get(key="website")
    expires = timezone.now() + dt.timedelta(hours=1)
    services.component_override_set(
        component=website, status="partial_outage", note="Slow pages in Dubai.", expires_at=expires
    )
    website.refresh_from_db()
    assert (website.override_status, website.override_note) == (
        "partial_outage",
        "Slow pages in Dubai.",
    )
    assert website.override_active(timezone.now())
    assert not website.override_active(expires + dt.timedelta(seconds=1))
    services.component_override_clear(component=website)
    website.refresh_from_db()
    assert website.override_status == "" and website.override_expires_at is None

    with pytest.raises(AppError):
        services.component_override_set(component=website, status="on_fire")
    with pytest.raises(AppError):
        services.component_override_set(
            component=website, status="major_outage", expires_at=timezone.now() - dt.timedelta(1)
        )


def test_maintenance_schedule_validates_window():
    start = timezone.now() + dt.timedelta(days=1)
    m = services.maintenance_schedule(
        title="Database upgrade",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
        message="Bookings paused.",
        components=["booking", "api"],
    )
    assert m.status_at(start - dt.timedelta(seconds=1)) == "scheduled"
    assert m.status_at(start) == "in_progress"
    assert m.status_at(start + dt.timedelta(hours=1)) == "completed"
    with pytest.raises(AppError) as error:
        services.maintenance_schedule(title="x", starts_at=start, ends_at=start)
    assert error.value.code == ErrorCode.INVALID_RANGE


def test_publish_raises_the_impact_never_lowers_it_and_refuses_a_resolved_incident():
    incident = services.incident_open(title="Review", body="Looking.", impact="major", public=False)
    published = services.incident_publish(
        incident=incident, title="Investigating", body="We are on it.", impact="minor"
    )
    assert (published.public, published.impact, published.title) == (True, "major", "Investigating")
    published = services.incident_publish(
        incident=published,
        title="Investigating",
        body="Worse.",
        impact="critical",
        components=["api"],
    )
    assert published.impact == "critical"
    assert list(published.components.values_list("key", flat=True)) == ["api"]
    assert published.updates.count() == 3
    services.incident_resolve(incident=published)
    with pytest.raises(AppError):
        services.incident_publish(incident=published, title="x", body="y")
