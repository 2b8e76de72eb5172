"""The service-level measurements kept apart from a database restore (``midas.backups.keep``).

A restore puts the business data back to a backup; what the site measured in the meantime
did happen. Without this, a rollback that restores the database would erase the very error
burst or outage it answered: the SLO figures, the status page's bars, the error-rate and
downtime triggers and the next go/no-go would all read a clean record.

``save(since)`` reads the request minutes and probe results from the minute the restored
backup was taken onwards (the rows before it are in the backup too); ``put_back(saved)``
deletes the restored database's rows from that minute and inserts the saved ones, in the
backups' transaction. Nothing links to these rows, so new keys are fine.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models

from midas.slo.models import ProbeResult, RequestMinute
from midas.slo.recorder import minute_of

KEEPER = "slo"
MODELS: tuple[type[models.Model], ...] = (RequestMinute, ProbeResult)
BATCH = 2000


def _fields(model: type[models.Model]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if not f.primary_key]


def save(since: dt.datetime) -> dict[str, Any]:
    start = minute_of(since)
    rows = {
        model._meta.label: [
            {name: _json(value) for name, value in row.items()}
            for row in model._default_manager.filter(minute__gte=start)
            .order_by("minute", "pk")
            .values(*_fields(model))
        ]
        for model in MODELS
    }
    return {"from": start.isoformat(), "rows": rows}


def put_back(saved: dict[str, Any]) -> str:
    start = dt.datetime.fromisoformat(saved["from"])
    counts = []
    for model in MODELS:
        rows = saved["rows"].get(model._meta.label, [])
        model._default_manager.filter(minute__gte=start).delete()
        times = [
            f.attname for f in model._meta.concrete_fields if isinstance(f, models.DateTimeField)
        ]
        objs = [
            model(**{k: dt.datetime.fromisoformat(v) if k in times else v for k, v in row.items()})
            for row in rows
        ]
        model._default_manager.bulk_create(objs, batch_size=BATCH)
        counts.append(f"{len(objs)} {model._meta.verbose_name_plural}")
    return f"measurements since {start:%Y-%m-%d %H:%M} UTC put back: {', '.join(counts)}"


def _json(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.datetime) else value


def register() -> None:
    from midas.backups.keep import keep_through_restore

    keep_through_restore(KEEPER, save=save, put_back=put_back)
