"""The catalogue version moves on through a database restore (``midas.backups.keep``).

Cached pages and the per-process catalogue reads are keyed on the ``CatalogVersion`` rows
(the contents' and the calendars'), which every catalogue write and every reservation moves
on. A restore puts the rows back to the backup's values; the next writes would then reach
values the caches already hold for *other* contents (those written between the backup and
the restore), and customers would be shown a stale price or a slot that is no longer free.
So both versions are saved before the restore and each put back past its own: values never
seen before.
"""

from __future__ import annotations

import datetime as dt

from midas.backups.keep import keep_through_restore
from midas.catalog.models import CatalogVersion
from midas.catalog.selectors import page_versions

KEEPER = "catalog-version"
ROWS = (
    ("catalogue version", CatalogVersion.ROW),
    ("calendar version", CatalogVersion.CALENDAR_ROW),
)


def save(since: dt.datetime) -> list[int]:  # a whole state: ``since`` does not matter
    return list(page_versions())


def put_back(saved: list[int] | int) -> str:
    if isinstance(saved, int):  # saved before the calendars had their own version
        saved = [saved, 0]
    restored = page_versions()
    notes = []
    for (name, row), before, now in zip(ROWS, saved, restored, strict=True):
        if before <= now:  # nothing moved it since the backup: the next value is unseen
            notes.append(f"{name} {now}, as at the backup")
            continue
        value = before + 1
        if not CatalogVersion.objects.filter(pk=row).update(value=value):
            CatalogVersion.objects.create(pk=row, value=value)
        notes.append(f"{name} {now} restored, moved on to {value} (caches start afresh)")
    return "; ".join(notes)


def register() -> None:
    keep_through_restore(KEEPER, save=save, put_back=put_back)
