"""The launch's own records kept apart from a database restore.

A restore puts the database back to a backup; the control plane must not go back with it
(docs/explanation/launch-rollback.md, "What a restore keeps"). Registered with the backups'
registry (``midas.backups.keep``) from ``launch.receivers``, so every restore — a rollback's,
``midas backup restore`` — keeps:

- every row of every table of the ``launch`` app (state, schedule and freeze, plan, team and
  vendors, go/no-go records and sign-offs, invitations, visitors, waitlist, feedback, flag
  snapshots, trigger firings, escalations and their notices, rollback runs, smoke runs,
  security signals, the audit trail), whatever tables the app has;
- the status-page incidents the launch tracks (those with an escalation or a trigger
  firing), with their updates and their components;
- who is in the launch's staff groups (``midas launch team grant`` / ``revoke``).

``save()`` serialises them (Django's serialisers, primary keys kept) just before the restore;
``put_back()`` deletes those tables' rows from the restored database and inserts the saved
rows in batches (no signal is sent: nothing happens, rows are put back), in the same
transaction, so the launch is exactly as it was before the restore. Sequences are moved
past the loaded keys. A link to a row the restore removed (an account created after
the backup) is cleared when the column allows it; a record that cannot be without it (a
sign-off by such an account) is left out and named in the summary (it stays in the saved
file and in the safety backup).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.apps import apps
from django.core import serializers
from django.db import connection, models
from django.db.models import Q

from midas.backups.keep import as_json, insert_raw, reset_sequences

KEEPER = "launch"
Key = tuple[str, Any]  # (model label, primary key)


def _launch_models() -> list[type[models.Model]]:
    config = apps.get_app_config("launch")
    ordered = serializers.sort_dependencies(
        [(config, list(config.get_models()))], allow_cycles=True
    )
    return list(ordered)


def _incident_models() -> list[type[models.Model]]:
    from midas.status.models import Incident, IncidentUpdate

    return [Incident, IncidentUpdate]


def _tracked_incident_ids() -> set[int]:
    """The status-page incidents the launch tracks: escalated or opened by a trigger."""
    from midas.launch.models import TriggerFiring
    from midas.status.models import Incident

    return set(
        Incident.objects.filter(
            Q(escalation__isnull=False)
            | Q(pk__in=TriggerFiring.objects.exclude(incident=None).values("incident_id"))
        ).values_list("pk", flat=True)
    )


def save(since: dt.datetime | None = None) -> dict[str, Any]:
    """The launch's records as they are now (JSON-able): all of them, whenever the restored
    backup was taken (``since`` is not needed)."""
    from midas.status.models import Incident, IncidentUpdate

    incidents = sorted(_tracked_incident_ids())
    objects: list[models.Model] = [
        *Incident.objects.filter(pk__in=incidents).order_by("pk"),
        *IncidentUpdate.objects.filter(incident_id__in=incidents).order_by("pk"),
    ]
    for model in _launch_models():
        objects.extend(model._base_manager.order_by("pk"))
    rows = serializers.serialize("python", objects)
    return {
        "incidents": incidents,
        "rows": as_json(rows),
        "groups": _group_members(),
    }


def _group_members() -> dict[str, list[int]]:
    """Who is in each of the launch's staff groups (``team grant``/``revoke``)."""
    from django.contrib.auth.models import Group

    from midas.launch.actors import GROUPS

    return {
        group.name: sorted(group.user_set.values_list("pk", flat=True))
        for group in Group.objects.filter(name__in=list(GROUPS))
    }


def _put_back_members(members: dict[str, list[int]]) -> int:
    """The launch's groups with the members they had (accounts the restore removed aside)."""
    from django.contrib.auth import get_user_model

    from midas.launch.plan.groups import ensure_groups

    if not members:
        return 0
    groups = ensure_groups()
    wanted = {pk for pks in members.values() for pk in pks}
    existing = set(get_user_model().objects.filter(pk__in=wanted).values_list("pk", flat=True))
    for name, group in groups.items():
        if name in members:
            group.user_set.set([pk for pk in members[name] if pk in existing])
    return len(wanted - existing)


def put_back(saved: dict[str, Any]) -> str:
    """Replace the launch's records in the (restored) database with the saved ones. Runs
    inside the backups' transaction; returns a one-line summary."""
    from midas.status.models import Incident

    launch = _launch_models()
    kept_models = [*_incident_models(), *launch]
    labels = {m._meta.label for m in kept_models}
    loaded = list(serializers.deserialize("python", saved["rows"]))
    present: set[Key] = {(d.object._meta.label, d.object.pk) for d in loaded}
    outside = _existing_outside(loaded, labels)

    def found(field: Any, value: Any) -> bool:
        label, column = _target(field)
        if label in labels:
            return (label, value) in present
        return value in outside[(label, column)]

    left_out: list[str] = []
    changed = True
    while changed:  # a record left out may take records that need it with it
        changed = False
        for d in loaded:
            key = (d.object._meta.label, d.object.pk)
            if key not in present:
                continue
            for field in _links(d.object):
                value = getattr(d.object, field.attname)
                if value is not None and not field.null and not found(field, value):
                    present.discard(key)
                    left_out.append(f"{d.object._meta.object_name} #{d.object.pk}")
                    changed = True
                    break
    cleared = 0
    incidents_gone = _tracked_incident_ids() | set(saved["incidents"])  # before their links go
    with connection.cursor() as cursor:
        for model in reversed(launch):  # every launch row goes; the saved rows come back
            for through in _auto_through(model):
                cursor.execute(f"DELETE FROM {connection.ops.quote_name(through._meta.db_table)}")  # noqa: S608
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608
    Incident.objects.filter(pk__in=incidents_gone).delete()
    counts: dict[str, int] = defaultdict(int)
    batches: dict[type[models.Model], list[models.Model]] = defaultdict(list)
    for d in loaded:
        key = (d.object._meta.label, d.object.pk)
        if key not in present:
            continue
        for field in _links(d.object):
            value = getattr(d.object, field.attname)
            if value is not None and not found(field, value):
                setattr(d.object, field.attname, None)
                cleared += 1
        m2m: dict[str, Any] = d.m2m_data or {}
        for name, values in list(m2m.items()):
            m2m[name] = [v for v in values if found(d.object._meta.get_field(name), v)]
        if m2m:
            insert_raw(type(d.object), batches.pop(type(d.object), []))  # in order
            d.save()  # with its many-to-many rows
        else:
            batches[type(d.object)].append(d.object)
        counts[d.object._meta.label] += 1
    for model, objs in batches.items():
        insert_raw(model, objs)
    reset_sequences(kept_models)
    members_gone = _put_back_members(saved.get("groups") or {})
    total = sum(counts.values())
    incidents = counts.get("status.Incident", 0)
    summary = f"{total} launch record(s) put back as they were before the restore"
    summary += f" ({incidents} status incident(s))"
    summary += "; staff groups as they were"
    if cleared:
        summary += f"; {cleared} link(s) to rows the restore removed cleared"
    if members_gone:
        summary += f"; {members_gone} group member(s) without an account since the backup"
    if left_out:
        summary += (
            f"; left out (their account is gone since the backup): {', '.join(left_out[:10])}"
            + (f" and {len(left_out) - 10} more" if len(left_out) > 10 else "")
        )
    return summary


def _links(obj: models.Model) -> list[models.Field]:
    return [
        f for f in obj._meta.concrete_fields if f.is_relation and (f.many_to_one or f.one_to_one)
    ]


def _target(field: Any) -> tuple[str, str]:
    """(model label, column) a link points to: the key of the row it names."""
    target = field.related_model._meta
    if field.many_to_many:
        return target.label, target.pk.attname
    return target.label, field.target_field.attname


def _auto_through(model: type[models.Model]) -> list[Any]:
    throughs: list[Any] = [f.remote_field.through for f in model._meta.local_many_to_many]
    return [t for t in throughs if t._meta.auto_created]


def _existing_outside(loaded: list[Any], labels: set[str]) -> dict[tuple[str, str], set[Any]]:
    """For each model outside the kept ones that the saved rows point to: which of the
    pointed-to keys the restored database holds."""
    wanted: dict[tuple[str, str], set[Any]] = defaultdict(set)
    models_by: dict[tuple[str, str], Any] = {}
    for d in loaded:
        links: list[tuple[Any, Any]] = [
            (f, [getattr(d.object, f.attname)]) for f in _links(d.object)
        ]
        links += [(d.object._meta.get_field(n), v) for n, v in (d.m2m_data or {}).items()]
        for field, values in links:
            key = _target(field)
            if key[0] in labels:
                continue
            wanted[key].update(v for v in values if v is not None)
            models_by[key] = field.related_model
    existing: dict[tuple[str, str], set[Any]] = defaultdict(set)
    for key, values in wanted.items():
        column = key[1]
        existing[key] = set(
            models_by[key]
            ._base_manager.filter(**{f"{column}__in": values})
            .values_list(column, flat=True)
        )
    return existing


def register() -> None:
    from midas.backups.keep import keep_through_restore

    keep_through_restore(KEEPER, save=save, put_back=put_back)
