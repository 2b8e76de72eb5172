"""Read side of the status page: component states, uptime bars, the overall indicator and
the Statuspage-v2-shaped summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Prefetch, Q

from midas.ops import selectors as ops
from midas.ops.models import MaintenanceWindow
from midas.status import health, probes
from midas.status.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentStatus,
    IncidentUpdate,
    MaintenanceStatus,
    ScheduledMaintenance,
)

UPTIME_DAYS = 90
MAJOR_DOWN_MINUTES = 30  # a day with this many down minutes or more is a major outage
PROBE_STALE_AFTER = dt.timedelta(minutes=10)
PAST_INCIDENT_DAYS = 14

SEVERITY: dict[str, int] = {
    ComponentStatus.OPERATIONAL: 0,
    ComponentStatus.UNDER_MAINTENANCE: 1,
    ComponentStatus.DEGRADED_PERFORMANCE: 2,
    ComponentStatus.PARTIAL_OUTAGE: 3,
    ComponentStatus.MAJOR_OUTAGE: 4,
}
INDICATORS = {  # worst component status -> (Statuspage indicator, description)
    ComponentStatus.OPERATIONAL: ("none", "All Systems Operational"),
    ComponentStatus.UNDER_MAINTENANCE: ("maintenance", "Service Under Maintenance"),
    ComponentStatus.DEGRADED_PERFORMANCE: ("minor", "Minor Service Outage"),
    ComponentStatus.PARTIAL_OUTAGE: ("major", "Partial System Outage"),
    ComponentStatus.MAJOR_OUTAGE: ("critical", "Major System Outage"),
}
IMPACT_RANK = {"none": 0, "maintenance": 1, "minor": 2, "major": 3, "critical": 4}
# An open public incident sets the state of the components it lists (when worse than what
# the probes say): its impact is what customers are told about those components.
IMPACT_STATE = {
    "minor": ComponentStatus.DEGRADED_PERFORMANCE,
    "major": ComponentStatus.PARTIAL_OUTAGE,
    "critical": ComponentStatus.MAJOR_OUTAGE,
}
# The headline while only incidents that list no component are open: the page says there is
# an incident, never an outage it cannot point to.
INCIDENT_ONLY = ("minor", "Investigating an Incident")


@dataclass(frozen=True)
class DayBar:
    date: dt.date
    state: str  # operational | partial_outage | major_outage | no_data
    down_minutes: int
    degraded_minutes: int
    measured_minutes: int
    uptime: float | None  # share of measured minutes that were up (degraded counts as up)

    @property
    def label(self) -> str:
        if self.state == "no_data":
            return f"{self.date:%d %b %Y}: no data"
        text = f"{self.date:%d %b %Y}: {self.uptime:.2%} up"
        if self.down_minutes:
            text += f", {self.down_minutes} min down"
        if self.degraded_minutes:
            text += f", {self.degraded_minutes} min degraded"
        return text


@dataclass
class ComponentView:
    component: Component
    status: str
    source: str  # override | maintenance | probe | health | no_data
    note: str = ""
    bars: list[DayBar] = field(default_factory=list)
    uptime: float | None = None

    @property
    def status_label(self) -> str:
        return ComponentStatus(self.status).label

    @property
    def uptime_text(self) -> str:
        if self.uptime is None:
            return "no data yet"
        return f"{self.uptime * 100:.2f}% over {UPTIME_DAYS} days"


def day_bar(day) -> DayBar:
    """The uptime bar rule: a day with no probe data is grey; otherwise degraded minutes
    count as up, a day with at least one down minute is a partial outage and one with
    MAJOR_DOWN_MINUTES or more down minutes a major outage."""
    measured = day.up_minutes + day.degraded_minutes + day.down_minutes
    if day.no_data or measured == 0:
        return DayBar(day.date, "no_data", 0, 0, 0, None)
    if day.down_minutes >= MAJOR_DOWN_MINUTES:
        state = "major_outage"
    elif day.down_minutes >= 1:
        state = "partial_outage"
    else:
        state = "operational"
    uptime = (day.up_minutes + day.degraded_minutes) / measured
    return DayBar(day.date, state, day.down_minutes, day.degraded_minutes, measured, uptime)


def uptime_share(bars: list[DayBar]) -> float | None:
    """Up (or degraded) minutes over measured minutes across the days that have data."""
    measured = sum(bar.measured_minutes for bar in bars)
    if measured == 0:
        return None
    return 1 - sum(bar.down_minutes for bar in bars) / measured


class _Listed:
    """What a template's ``x.components.all`` reads, for a list."""

    def __init__(self, items: list[Component]) -> None:
        self.items = items

    def all(self) -> list[Component]:
        return self.items


@dataclass
class PlannedWindow:
    """A maintenance window of the whole site (``midas maintenance schedule``, the ops app's
    ``MaintenanceWindow``, its one source of truth) shown as a scheduled maintenance of every
    component, on the page and in summary.json alike."""

    window: MaintenanceWindow
    components: _Listed
    title: str = "Planned maintenance of the whole site"

    @property
    def pk(self) -> str:
        return f"w{self.window.pk}"

    @property
    def message(self) -> str:
        return self.window.message

    @property
    def starts_at(self) -> dt.datetime:
        return self.window.starts_at

    @property
    def ends_at(self) -> dt.datetime:
        return self.window.ends_at

    @property
    def created_at(self) -> dt.datetime:
        return self.window.created_at

    @property
    def updated_at(self) -> dt.datetime:
        return self.window.created_at

    def status_at(self, now: dt.datetime) -> str:
        if now < self.starts_at:
            return MaintenanceStatus.SCHEDULED
        if now < self.ends_at:
            return MaintenanceStatus.IN_PROGRESS
        return MaintenanceStatus.COMPLETED


def site_under_maintenance(now: dt.datetime, windows: list[MaintenanceWindow]) -> bool:
    """Customers get the maintenance page: the switch is on (what this process answers them,
    midas.ops.selectors), or one of ``windows`` is in progress at ``now``."""
    return ops.maintenance_state().enabled or any(w.in_progress(now) for w in windows)


def _probe_state(probe, now: dt.datetime) -> tuple[str, str, str]:
    """(status, source, note) from the newest probe; stale or missing means no data."""
    if probe is None:
        return ComponentStatus.OPERATIONAL, "no_data", "No recent probe data."
    at = next(
        (
            getattr(probe, name)
            for name in ("at", "checked_at", "created_at", "started_at")
            if getattr(probe, name, None) is not None
        ),
        None,
    )
    if at is not None and now - at > PROBE_STALE_AFTER:
        return ComponentStatus.OPERATIONAL, "no_data", "No recent probe data."
    if getattr(probe, "maintenance", False):
        return ComponentStatus.UNDER_MAINTENANCE, "probe", "Planned maintenance."
    up = getattr(probe, "up", getattr(probe, "ok", True))
    if not up:
        return ComponentStatus.MAJOR_OUTAGE, "probe", "The latest check failed."
    latency = getattr(probe, "latency_ms", None)
    slow = latency is not None and latency > settings.SLO_DEGRADED_MS
    if getattr(probe, "degraded", False) or slow:
        return ComponentStatus.DEGRADED_PERFORMANCE, "probe", "Responding slowly."
    return ComponentStatus.OPERATIONAL, "probe", ""


def _incident_states(incidents: list[Incident]) -> dict[int, tuple[str, str]]:
    """Component id -> (state, the incident's title) from the worst open public incident
    listing it (``IMPACT_STATE``)."""
    worst: dict[int, tuple[str, str]] = {}
    for incident in incidents:
        state = IMPACT_STATE.get(incident.impact)
        if state is None or not incident.public or not incident.is_open:
            continue
        for component in incident.components.all():
            if component.pk not in worst or SEVERITY[state] > SEVERITY[worst[component.pk][0]]:
                worst[component.pk] = (state, incident.title)
    return worst


def component_states(
    *,
    now: dt.datetime,
    with_bars: bool = True,
    windows: list[MaintenanceWindow] | None = None,
    incidents: list[Incident] | None = None,
) -> list[ComponentView]:
    """Each component's state: every one is under maintenance while the whole site is
    (``site_under_maintenance``); else a live staff override wins, then a scheduled
    maintenance of the component in progress, then the worst of the newest probe, the
    health checks and the open public incidents that list it (``IMPACT_STATE``).
    ``windows``: the ops maintenance windows not yet over, ``incidents``: the open public
    incidents, when the caller has read them already."""
    if windows is None:
        windows = ops.windows(now=now)
    if incidents is None:
        incidents = open_incidents()
    from_incidents = _incident_states(incidents)
    site = site_under_maintenance(now, windows)
    in_progress = set(
        ScheduledMaintenance.objects.filter(starts_at__lte=now, ends_at__gt=now).values_list(
            "components__id", flat=True
        )
    )
    views = []
    status: str
    for component in Component.objects.all():
        if site:
            status, source, note = ComponentStatus.UNDER_MAINTENANCE, "maintenance", ""
        elif component.override_active(now):
            status, source, note = component.override_status, "override", component.override_note
        elif component.pk in in_progress:
            status, source, note = ComponentStatus.UNDER_MAINTENANCE, "maintenance", ""
        else:
            status, source, note = _probe_state(probes.latest_probe(component.key), now)
            checked = health.component_health(component.key)
            if checked and SEVERITY[checked[0]] > SEVERITY[status]:
                status, source, note = checked[0], "health", checked[1]
            told = from_incidents.get(component.pk)
            if told and SEVERITY[told[0]] > SEVERITY[status]:
                status, source, note = told[0], "incident", told[1]
        view = ComponentView(component, status, source, note)
        if with_bars:
            view.bars = [
                day_bar(d) for d in probes.probe_days(component.key, days=UPTIME_DAYS, now=now)
            ]
            view.uptime = uptime_share(view.bars)
        views.append(view)
    return views


def overall_status(views: list[ComponentView], open_incidents: list[Incident]) -> dict:
    """The headline: the worst component's state (``INDICATORS``). Open public incidents
    count through the components they list (``component_states``), so the headline never
    says an outage the components do not show; while an open public incident shows on no
    component (it lists none, or maintenance or an override wins there) and the components
    say less than "minor", the headline is ``INCIDENT_ONLY``: there is an incident."""
    worst = max((v.status for v in views), key=lambda s: SEVERITY[s], default="operational")
    indicator, description = INDICATORS[ComponentStatus(worst)]
    current = [i for i in open_incidents if i.public and i.is_open and i.impact in IMPACT_STATE]
    if current and IMPACT_RANK[indicator] < IMPACT_RANK[INCIDENT_ONLY[0]]:
        indicator, description = INCIDENT_ONLY
    return {"indicator": indicator, "description": description}


def _with_updates(queryset):
    return queryset.prefetch_related(
        Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-created_at", "-id")),
        "components",
    )


def public_incidents():
    """The incidents the public pages may show: never a staff-only one."""
    return Incident.objects.filter(public=True)


def open_incidents() -> list[Incident]:
    """Open public incidents."""
    return list(_with_updates(public_incidents().exclude(status=IncidentStatus.RESOLVED)))


def past_incidents(*, now: dt.datetime, days: int = PAST_INCIDENT_DAYS) -> list[Incident]:
    since = now - dt.timedelta(days=days)
    return list(
        _with_updates(
            public_incidents().filter(status=IncidentStatus.RESOLVED, resolved_at__gte=since)
        )
    )


def recent_incidents(*, limit: int = 50) -> list[Incident]:
    return list(_with_updates(public_incidents().order_by("-updated_at", "-id"))[:limit])


def upcoming_maintenance(
    *,
    now: dt.datetime,
    windows: list[MaintenanceWindow] | None = None,
    components: list[Component] | None = None,
) -> list[ScheduledMaintenance | PlannedWindow]:
    """Maintenance not yet over, by start: the status app's own (per component) and the
    ops app's windows of the whole site."""
    if windows is None:
        windows = ops.windows(now=now)
    if components is None and windows:
        components = list(Component.objects.all())
    own = ScheduledMaintenance.objects.filter(Q(ends_at__gt=now)).prefetch_related("components")
    planned = [PlannedWindow(w, _Listed(components or [])) for w in windows]
    return sorted([*own, *planned], key=lambda m: (m.starts_at, str(m.pk)))


@dataclass
class Overview:
    now: dt.datetime
    components: list[ComponentView]
    open_incidents: list[Incident]
    past_incidents: list[Incident]
    maintenances: list[ScheduledMaintenance | PlannedWindow]
    overall: dict


def status_overview(*, now: dt.datetime) -> Overview:
    """Everything /status and summary.json show, read in a fixed number of queries."""
    windows = ops.windows(now=now)
    current = open_incidents()
    views = component_states(now=now, windows=windows, incidents=current)
    components = [v.component for v in views]
    return Overview(
        now=now,
        components=views,
        open_incidents=current,
        past_incidents=past_incidents(now=now),
        maintenances=upcoming_maintenance(now=now, windows=windows, components=components),
        overall=overall_status(views, current),
    )
