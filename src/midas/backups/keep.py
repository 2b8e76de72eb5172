"""Records kept apart from a restore: a small registry the backups own.

A restore puts the whole database back to a backup. Some records must not go back with the
business data: the go-live control plane's own (its plan, freeze, team, decisions, incidents,
rollback runs). The backups cannot know them (the core never imports the launch), so a
part of Midas that owns such records registers a ``Keeper`` (from its ``AppConfig.ready``):

- ``save(since)`` reads the records from the live database just before the restore and
  returns them as JSON-able data; ``since`` is when the restored backup was taken (what was
  written after it is what the restore would lose; a keeper of a whole state ignores it);
- ``put_back(saved)`` writes them into the restored database (called inside one
  transaction with every other keeper's) and returns a one-line summary.

``backup_restore`` calls every keeper: saved after the safety backup and before the restore,
written to ``BACKUP_DIR/kept/<safety id>.json`` (owner-only) and put back right after the
restore. A keeper that fails to put its records back fails the restore loudly (the restore
itself stands; the records are in that file and in the safety backup).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction


@dataclass(frozen=True)
class Keeper:
    name: str
    save: Callable[[dt.datetime], Any]
    put_back: Callable[[Any], str]


_keepers: dict[str, Keeper] = {}


def keep_through_restore(
    name: str, *, save: Callable[[dt.datetime], Any], put_back: Callable[[Any], str]
) -> None:
    """Register (or replace) the keeper called ``name``."""
    _keepers[name] = Keeper(name=name, save=save, put_back=put_back)


def forget_keeper(name: str) -> None:
    _keepers.pop(name, None)


def keepers() -> list[Keeper]:
    return list(_keepers.values())


def save_all(since: dt.datetime) -> dict[str, Any]:
    """Each keeper's records, read from the live database now; ``since``: the restored
    backup's time."""
    return {keeper.name: keeper.save(since) for keeper in keepers()}


def write(saved: dict[str, Any], path: Path) -> Path:
    """The saved records in a file (fsynced, owner-only) before the restore may begin."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.partial")
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(saved, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.chmod(0o600)
    os.replace(tmp, path)
    return path


@transaction.atomic
def put_back_all(saved: dict[str, Any]) -> list[str]:
    """Every keeper's records back in the (restored) database, in one transaction."""
    notes = []
    for keeper in keepers():
        if keeper.name in saved:
            notes.append(f"{keeper.name}: {keeper.put_back(saved[keeper.name])}")
    return notes


# --- for keepers: rows saved as they are and put back as they were ---------------------------


class _Exact(DjangoJSONEncoder):
    """Django's encoder, but times keep their microseconds (its JSON drops them to
    milliseconds): the records come back exactly as they were."""

    def default(self, o: Any) -> Any:
        if isinstance(o, dt.datetime | dt.time):
            return o.isoformat()
        return super().default(o)


def as_json(rows: Any) -> Any:
    """Serialised rows (``serializers.serialize("python", ...)``) as JSON-able data, times
    to the microsecond."""
    return json.loads(json.dumps(rows, cls=_Exact))


def insert_raw(model: type[models.Model], objs: list[models.Model]) -> None:
    """Insert the rows as saved (keys, times, everything: ``raw``, as ``loaddata`` does), in
    batches; no signal is sent (nothing happened: the rows are put back)."""
    if not objs:
        return
    fields = list(model._meta.local_concrete_fields)
    size = connection.ops.bulk_batch_size(fields, objs) or len(objs)
    for start in range(0, len(objs), size):
        model._base_manager._insert(  # type: ignore[attr-defined]
            objs[start : start + size], fields=fields, raw=True, using=connection.alias
        )


def reset_sequences(kept: list[type[models.Model]]) -> None:
    """Keys loaded past the restored sequences: move the sequences on (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), kept)
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
