"""Write side of the status page: one function per state change, used by the admin, the
CLI and tests alike."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from midas.core.audit import audit
from midas.core.ranges import require_range
from midas.errors import AppError, ErrorCode
from midas.status.models import (
    Component,
    ComponentStatus,
    Incident,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    ScheduledMaintenance,
)
from midas.status.signals import incident_made_public, incident_resolved

log = logging.getLogger(__name__)


def _components(keys: Iterable[str | Component]) -> list[Component]:
    wanted = [k.key if isinstance(k, Component) else k for k in keys]
    found = list(Component.objects.filter(key__in=wanted))
    missing = sorted(set(wanted) - {c.key for c in found})
    if missing:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"Unknown component(s): {', '.join(missing)}",
            field="components",
        )
    return found


def _require(text: str, field: str) -> str:
    text = (text or "").strip()
    if not text:
        raise AppError(ErrorCode.INVALID_INPUT, f"The {field} is required.", field=field)
    return text


@transaction.atomic
def incident_open(
    *,
    title: str,
    body: str,
    impact: str = IncidentImpact.MINOR,
    status: str = IncidentStatus.INVESTIGATING,
    components: Iterable[str | Component] = (),
    at: dt.datetime | None = None,
    public: bool = True,
) -> Incident:
    """Open an incident with its first update; ``public=False``: staff-only (never on the
    public pages until ``incident_publish``)."""
    at = at or timezone.now()
    if impact not in IncidentImpact.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown impact {impact!r}.", field="impact")
    if status not in IncidentStatus.values or status == IncidentStatus.RESOLVED:
        raise AppError(ErrorCode.INVALID_INPUT, "An incident opens unresolved.", field="status")
    incident = Incident.objects.create(
        title=_require(title, "title"), impact=impact, status=status, started_at=at, public=public
    )
    incident.components.set(_components(components))
    IncidentUpdate.objects.create(
        incident=incident, status=status, body=_require(body, "body"), created_at=at
    )
    log.info("status.incident.opened id=%s impact=%s public=%s", incident.pk, impact, public)
    return incident


@transaction.atomic
def incident_publish(
    *,
    incident: Incident,
    title: str,
    body: str,
    impact: str | None = None,
    status: str | None = None,
    components: Iterable[str | Component] | None = None,
    at: dt.datetime | None = None,
) -> Incident:
    """Make an incident public (or, already public, raise it): its public ``title``, an
    update with the public ``body``, and the ``impact`` raised (never lowered) and the
    ``components`` added when given. Its earlier updates become visible too, so a
    staff-only incident's updates must never say more than the public may read."""
    at = at or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if incident.status == IncidentStatus.RESOLVED:
        raise AppError(ErrorCode.INVALID_STATE, "This incident is already resolved.")
    if impact is not None:
        if impact not in IncidentImpact.values:
            raise AppError(ErrorCode.INVALID_INPUT, f"Unknown impact {impact!r}.", field="impact")
        order = list(IncidentImpact.values)
        if order.index(impact) > order.index(incident.impact):
            incident.impact = impact
    incident.title = _require(title, "title")
    incident.public = True
    incident.save(update_fields=["title", "impact", "public", "updated_at"])
    if components is not None:
        incident.components.add(*_components(components))
    incident_update(incident=incident, status=status or incident.status, body=body, at=at)
    log.info("status.incident.published id=%s impact=%s", incident.pk, incident.impact)
    return Incident.objects.get(pk=incident.pk)


MADE_PUBLIC_BODY = "We are investigating this issue and will post updates here."


@transaction.atomic
def incident_make_public(
    *,
    incident: Incident,
    reason: str,
    by: object,
    via: str = "",
    title: str = "",
    body: str = "",
    at: dt.datetime | None = None,
) -> Incident:
    """Make a staff-only incident public on purpose, the one way there is (the admin's
    action, ``midas incident publish``, the launch console): ``reason`` is required and kept
    on the record (the audit line ``status.incident.made_public``, never shown publicly);
    ``title`` and ``body`` are what the status page says (its current title, and a short
    "investigating" update, when not given). Refused when the incident is already public or
    resolved. Sends ``signals.incident_made_public`` in the transaction (``by``: the
    account, or a label; ``via``: where)."""
    reason = _require(reason, "reason")
    at = at or timezone.now()
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    if locked.public:
        raise AppError(ErrorCode.INVALID_STATE, f"Incident #{locked.pk} is already public.")
    if locked.status == IncidentStatus.RESOLVED:
        raise AppError(ErrorCode.INVALID_STATE, f"Incident #{locked.pk} is already resolved.")
    published = incident_publish(
        incident=locked,
        title=(title or "").strip() or locked.title,
        body=(body or "").strip() or MADE_PUBLIC_BODY,
        at=at,
    )
    audit(
        "status.incident.made_public",
        actor=by,
        obj=published,
        reason=reason[:200],
        via=via,
        impact=published.impact,
    )
    incident_made_public.send(
        sender=Incident, incident=published, reason=reason, by=by, via=via, at=at
    )
    return published


@transaction.atomic
def incident_update(
    *, incident: Incident, status: str, body: str, at: dt.datetime | None = None
) -> IncidentUpdate:
    """Post a timestamped update; the incident takes the update's status."""
    at = at or timezone.now()
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    if status not in IncidentStatus.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown status {status!r}.", field="status")
    if incident.status == IncidentStatus.RESOLVED:
        raise AppError(ErrorCode.INVALID_STATE, "This incident is already resolved.")
    update = IncidentUpdate.objects.create(
        incident=incident, status=status, body=_require(body, "body"), created_at=at
    )
    incident.status = status
    fields = ["status", "updated_at"]
    if status == IncidentStatus.MONITORING and incident.monitoring_at is None:
        incident.monitoring_at = at
        fields.append("monitoring_at")
    if status == IncidentStatus.RESOLVED:
        incident.resolved_at = at
        fields.append("resolved_at")
    incident.save(update_fields=fields)
    log.info("status.incident.updated id=%s status=%s", incident.pk, status)
    if status == IncidentStatus.RESOLVED:
        incident_resolved.send(sender=Incident, incident=incident, at=at)
    return update


def incident_resolve(
    *, incident: Incident, body: str = "This incident has been resolved.", at=None
) -> IncidentUpdate:
    return incident_update(incident=incident, status=IncidentStatus.RESOLVED, body=body, at=at)


@transaction.atomic
def component_override_set(
    *,
    component: Component,
    status: str,
    note: str = "",
    expires_at: dt.datetime | None = None,
) -> Component:
    """Pin a component's public state (until ``expires_at``, or until cleared)."""
    if status not in ComponentStatus.values:
        raise AppError(ErrorCode.INVALID_INPUT, f"Unknown status {status!r}.", field="status")
    if expires_at is not None and expires_at <= timezone.now():
        raise AppError(
            ErrorCode.INVALID_INPUT, "The expiry must be in the future.", field="expires_at"
        )
    component.override_status = status
    component.override_note = (note or "").strip()
    component.override_expires_at = expires_at
    component.save(
        update_fields=["override_status", "override_note", "override_expires_at", "updated_at"]
    )
    log.info("status.component.override_set key=%s status=%s", component.key, status)
    return component


@transaction.atomic
def component_override_clear(*, component: Component) -> Component:
    component.override_status = ""
    component.override_note = ""
    component.override_expires_at = None
    component.save(
        update_fields=["override_status", "override_note", "override_expires_at", "updated_at"]
    )
    log.info("status.component.override_cleared key=%s", component.key)
    return component


@transaction.atomic
def maintenance_schedule(
    *,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    message: str = "",
    components: Iterable[str | Component] = (),
) -> ScheduledMaintenance:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise AppError(ErrorCode.INVALID_INPUT, "Times must carry a timezone.", field="starts_at")
    require_range(starts_at, ends_at, field=None, message="The window must end after it starts.")
    maintenance = ScheduledMaintenance.objects.create(
        title=_require(title, "title"),
        message=(message or "").strip(),
        starts_at=starts_at,
        ends_at=ends_at,
    )
    maintenance.components.set(_components(components))
    log.info("status.maintenance.scheduled id=%s", maintenance.pk)
    return maintenance
