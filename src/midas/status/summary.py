"""The status page as a document in the shape of Atlassian Statuspage's public v2
``/api/v2/summary.json`` (page, components, incidents with incident_updates,
scheduled_maintenances, status), so existing Statuspage clients and monitors can read it."""

from __future__ import annotations

import datetime as dt

from midas.core.urls import absolute_reverse, absolute_url
from midas.status.models import Incident, ScheduledMaintenance
from midas.status.selectors import ComponentView, PlannedWindow

PAGE_ID = "midas"


def _iso(value: dt.datetime | None) -> str | None:
    return None if value is None else value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def _page(now: dt.datetime) -> dict:
    return {
        "id": PAGE_ID,
        "name": "Midas The Lifestyle",
        "url": absolute_reverse("status:page"),
        "time_zone": "Etc/UTC",
        "updated_at": _iso(now),
    }


def _component(view: ComponentView) -> dict:
    c = view.component
    return {
        "id": c.key,
        "name": c.name,
        "status": view.status,
        "created_at": _iso(c.created_at),
        "updated_at": _iso(c.updated_at),
        "position": c.position,
        "description": c.description or None,
        "showcase": True,
        "start_date": _iso(c.created_at)[:10],
        "group_id": None,
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def _component_ref(component) -> dict:
    return {"id": component.key, "name": component.name, "page_id": PAGE_ID}


def incident_dict(incident: Incident) -> dict:
    components = [_component_ref(c) for c in incident.components.all()]
    return {
        "id": str(incident.pk),
        "name": incident.title,
        "status": incident.status,
        "created_at": _iso(incident.created_at),
        "updated_at": _iso(incident.updated_at),
        "monitoring_at": _iso(incident.monitoring_at),
        "resolved_at": _iso(incident.resolved_at),
        "impact": incident.impact,
        "shortlink": absolute_url(incident.get_absolute_url()),
        "started_at": _iso(incident.started_at),
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": str(u.pk),
                "status": u.status,
                "body": u.body,
                "incident_id": str(incident.pk),
                "created_at": _iso(u.created_at),
                "updated_at": _iso(u.created_at),
                "display_at": _iso(u.created_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
            for u in incident.updates.all()
        ],
        "components": components,
    }


def maintenance_dict(maintenance: ScheduledMaintenance | PlannedWindow, now: dt.datetime) -> dict:
    status = maintenance.status_at(now)
    return {
        "id": f"m{maintenance.pk}",
        "name": maintenance.title,
        "status": status,
        "created_at": _iso(maintenance.created_at),
        "updated_at": _iso(maintenance.updated_at),
        "monitoring_at": None,
        "resolved_at": _iso(maintenance.ends_at) if status == "completed" else None,
        "impact": "maintenance",
        "shortlink": absolute_reverse("status:page", fragment=f"maintenance-{maintenance.pk}"),
        "started_at": _iso(maintenance.starts_at),
        "page_id": PAGE_ID,
        "scheduled_for": _iso(maintenance.starts_at),
        "scheduled_until": _iso(maintenance.ends_at),
        "incident_updates": [
            {
                "id": f"m{maintenance.pk}u",
                "status": "scheduled",
                "body": maintenance.message or maintenance.title,
                "incident_id": f"m{maintenance.pk}",
                "created_at": _iso(maintenance.created_at),
                "updated_at": _iso(maintenance.updated_at),
                "display_at": _iso(maintenance.created_at),
                "affected_components": None,
                "deliver_notifications": True,
                "custom_tweet": None,
                "tweet_id": None,
            }
        ],
        "components": [_component_ref(c) for c in maintenance.components.all()],
    }


def build_summary(
    *,
    now: dt.datetime,
    views: list[ComponentView],
    incidents: list[Incident],
    maintenances: list[ScheduledMaintenance | PlannedWindow],
    overall: dict,
) -> dict:
    return {
        "page": _page(now),
        "components": [_component(v) for v in views],
        "incidents": [incident_dict(i) for i in incidents],
        "scheduled_maintenances": [maintenance_dict(m, now) for m in maintenances],
        "status": overall,
    }
